"""keras.visualization.draw_segmentation_masks (pure array code in Keras, so comparable)."""

from golden_cases.case import Case, ints, pos

images = pos(2, 4, 5, 3, low=0.0, high=255.0)
masks = ints(2, 4, 5, 1, low=-1, high=4)

CASES = [
    Case("seg_masks_inferred_classes",
         lambda k, x, m: k.visualization.draw_segmentation_masks(x, m), [images, masks]),
    Case("seg_masks_num_classes",
         lambda k, x, m: k.visualization.draw_segmentation_masks(x, m, num_classes=4, alpha=0.3),
         [images, masks]),
    Case("seg_masks_no_blend",
         lambda k, x, m: k.visualization.draw_segmentation_masks(x, m, num_classes=3,
                                                                 blend=False), [images, masks]),
    Case("seg_masks_color_mapping_ignore",
         lambda k, x, m: k.visualization.draw_segmentation_masks(
             x, m, num_classes=2, ignore_index=0,
             color_mapping={0: (255, 0, 0), 1: (0, 255, 0)}), [images, masks]),
    Case("seg_masks_channels_first",
         lambda k, x, m: k.visualization.draw_segmentation_masks(
             x, m, num_classes=4, data_format="channels_first"),
         [pos(1, 3, 4, 2, low=0.0, high=255.0), ints(1, 1, 4, 2, high=4)]),
]

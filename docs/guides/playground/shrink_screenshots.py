"""Copy the playground browser tests' screenshots into the documentation, shrunk and with
fewer colours so that each PNG stays small.

Run the browser tests first (they write build/playground-screenshots/), then:

    python docs/guides/playground/shrink_screenshots.py
"""

import pathlib
import sys

from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE.parents[2] / "build" / "playground-screenshots"
WANTED = {"2-trained.png": "spiral.png", "4-draw-a-digit.png": "digits.png",
          "1-set-up.png": "set-up.png"}
WIDTH = 1000


def main() -> int:
    missing = [name for name in WANTED if not (SOURCE / name).exists()]
    if missing:
        print(f"missing {missing} in {SOURCE}: run tests/test_playground_browser.py first")
        return 1
    for name, target in WANTED.items():
        image = Image.open(SOURCE / name).convert("RGB")
        height = round(image.height * WIDTH / image.width)
        image = image.resize((WIDTH, height), Image.LANCZOS).quantize(colors=128)
        image.save(HERE / target, optimize=True)
        print(f"{target}: {(HERE / target).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

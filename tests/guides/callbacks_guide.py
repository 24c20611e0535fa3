import numpy as np

from numen import keras


def get_model():
    model = keras.Sequential()
    model.add(keras.layers.Dense(1))
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    return model


rng = np.random.default_rng(0)
x_train = rng.random((200, 784)).astype("float32")
y_train = rng.random((200,)).astype("float32")
x_test, y_test = x_train[:100], y_train[:100]
seen = []


class CustomCallback(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        keys = list(logs.keys())
        seen.append(("train_begin", keys))

    def on_train_end(self, logs=None):
        seen.append(("train_end", list(logs.keys())))

    def on_epoch_begin(self, epoch, logs=None):
        seen.append(("epoch_begin", list(logs.keys())))

    def on_epoch_end(self, epoch, logs=None):
        seen.append(("epoch_end", list(logs.keys())))

    def on_test_begin(self, logs=None):
        seen.append(("test_begin", list(logs.keys())))

    def on_test_end(self, logs=None):
        seen.append(("test_end", list(logs.keys())))

    def on_predict_begin(self, logs=None):
        seen.append(("predict_begin", list(logs.keys())))

    def on_predict_end(self, logs=None):
        seen.append(("predict_end", list(logs.keys())))

    def on_train_batch_begin(self, batch, logs=None):
        seen.append(("train_batch_begin", list(logs.keys())))

    def on_train_batch_end(self, batch, logs=None):
        seen.append(("train_batch_end", list(logs.keys())))

    def on_test_batch_begin(self, batch, logs=None):
        seen.append(("test_batch_begin", list(logs.keys())))

    def on_test_batch_end(self, batch, logs=None):
        seen.append(("test_batch_end", list(logs.keys())))

    def on_predict_batch_begin(self, batch, logs=None):
        seen.append(("predict_batch_begin", list(logs.keys())))

    def on_predict_batch_end(self, batch, logs=None):
        seen.append(("predict_batch_end", list(logs.keys())))


model = get_model()
model.fit(
    x_train,
    y_train,
    batch_size=128,
    epochs=1,
    verbose=0,
    validation_split=0.5,
    callbacks=[CustomCallback()],
)
res = model.evaluate(x_test, y_test, batch_size=128, verbose=0, callbacks=[CustomCallback()])
res = model.predict(x_test, batch_size=128, callbacks=[CustomCallback()], verbose=0)
assert ("epoch_end", ["loss", "mean_absolute_error", "val_loss", "val_mean_absolute_error"]) in [
    (h, sorted(k)) for h, k in seen
]
assert ("predict_batch_end", ["outputs"]) in seen


class LossAndErrorPrintingCallback(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        print(f"Up to batch {batch}, the average loss is {logs['loss']:7.2f}.")

    def on_test_batch_end(self, batch, logs=None):
        print(f"Up to batch {batch}, the average loss is {logs['loss']:7.2f}.")

    def on_epoch_end(self, epoch, logs=None):
        print(
            f"The average loss for epoch {epoch} is {logs['loss']:7.2f} "
            f"and mean absolute error is {logs['mean_absolute_error']:7.2f}."
        )


model = get_model()
model.fit(
    x_train,
    y_train,
    batch_size=128,
    epochs=2,
    verbose=0,
    callbacks=[LossAndErrorPrintingCallback()],
)
res = model.evaluate(
    x_test, y_test, batch_size=128, verbose=0, callbacks=[LossAndErrorPrintingCallback()]
)


class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get("loss")
        if np.less(current, self.best):
            self.best = current
            self.wait = 0
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


model = get_model()
model.fit(
    x_train,
    y_train,
    batch_size=64,
    epochs=30,
    verbose=0,
    callbacks=[LossAndErrorPrintingCallback(), EarlyStoppingAtMinLoss()],
)


class CustomLearningRateScheduler(keras.callbacks.Callback):
    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        lr = self.model.optimizer.learning_rate
        scheduled_lr = self.schedule(epoch, lr)
        self.model.optimizer.learning_rate = scheduled_lr
        print(f"\nEpoch {epoch}: Learning rate is {float(np.array(scheduled_lr)):6.4f}.")


LR_SCHEDULE = [(3, 0.05), (6, 0.01), (9, 0.005), (12, 0.001)]


def lr_schedule(epoch, lr):
    if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
        return lr
    for i in range(len(LR_SCHEDULE)):
        if epoch == LR_SCHEDULE[i][0]:
            return LR_SCHEDULE[i][1]
    return lr


model = get_model()
model.fit(
    x_train,
    y_train,
    batch_size=64,
    epochs=8,
    verbose=0,
    callbacks=[LossAndErrorPrintingCallback(), CustomLearningRateScheduler(lr_schedule)],
)
assert abs(float(np.array(model.optimizer.learning_rate)) - 0.01) < 1e-7
print("callbacks_guide OK")

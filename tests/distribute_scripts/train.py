"""Trained by tests/test_distribute.py, alone or under mpiexec: a small float64 regression.

Usage: train.py OUT.npz BATCH EPOCHS N_SAMPLES [--distributed] [--hang-rank R] [--backup DIR]
       [--kill-epoch E]
Writes the final weights and history (rank 0 only under MPI).
"""

import argparse
import os
import signal
import sys
import time

import numpy as np

from numen import keras


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("batch", type=int)
    p.add_argument("epochs", type=int)
    p.add_argument("n", type=int)
    p.add_argument("--distributed", action="store_true")
    p.add_argument("--hang-rank", type=int, default=-1)
    p.add_argument("--kill-epoch", type=int, default=-1)
    p.add_argument("--backup", default="")
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args()

    keras.config.set_floatx("float64")
    keras.utils.set_random_seed(1)
    rank = 0
    if args.distributed:
        strategy = keras.distribution.DataParallel(timeout=args.timeout)
        keras.distribution.set_distribution(strategy)
        rank = strategy.rank
        if rank != 0:
            keras.utils.set_random_seed(99)  # rank 0's weights must win the broadcast
    data = np.random.default_rng(0)
    x = data.normal(size=(args.n, 5))
    y = np.stack([x @ np.arange(1.0, 6.0), np.sin(x[:, 0])], axis=1)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])

    callbacks = []
    if args.hang_rank >= 0 and rank == args.hang_rank:
        callbacks.append(keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: time.sleep(3600) if epoch == 0 else None))
    if args.kill_epoch >= 0:
        def kill(epoch, logs):
            if epoch == args.kill_epoch and rank == 0:  # after its backup was written
                os.kill(os.getpid(), signal.SIGKILL)
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=kill))
    if args.backup:
        callbacks.insert(0, keras.callbacks.BackupAndRestore(args.backup))
    history = model.fit(x, y, batch_size=args.batch, epochs=args.epochs, shuffle=False,
                        verbose=2, callbacks=callbacks)
    if rank == 0:
        np.savez(args.out, *[w.numpy() for w in model.weights],
                 loss=np.array(history.history["loss"]), mae=np.array(history.history["mae"]))
    print(f"rank {rank} done", file=sys.stderr)


if __name__ == "__main__":
    main()

# Writes the NumPy test files of ml/dataset (TestNPYFiles): run with
# /usr/bin/python3 make.py in this folder (numpy 1.24.2).
import numpy as np
np.save("emb.npy", np.array([[0.5, -1.25, 3.0], [2.0, 0.0, -0.75], [1e-3, 4.5, 6.25], [-2.5, 1.5, 0.125]], dtype=np.float32))
np.save("emb_labels.npy", np.array(["cat", "dog", "cat", "bird"]))
np.save("x_train.npy", np.arange(2 * 2 * 3 * 3, dtype=np.uint8).reshape(2, 2, 3, 3))
np.save("y_train.npy", np.array([1, 0], dtype=np.int64))
np.save("x_test.npy", np.full((1, 2, 3, 3), 200, dtype=np.uint8))
np.save("y_test.npy", np.array([1], dtype=np.int32))
np.savez("keras.npz", x_train=np.arange(12, dtype=np.uint8).reshape(3, 2, 2), y_train=np.array([2, 0, 1]),
         x_test=np.zeros((2, 2, 2), np.uint8), y_test=np.array([0, 2]), classes=np.array(["zero", "one", "two"]))
np.savez_compressed("table.npz", x=np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), y=np.array([1.0, 0.0, 1.0]))
np.lib.format.write_array(open("v2.npy", "wb"), np.array([[1, 2], [3, 4]], dtype=np.float64), version=(2, 0))
np.save("fortran.npy", np.asfortranarray(np.zeros((2, 3))))
np.save("bigendian.npy", np.zeros((2, 3), dtype=">f4"))
np.save("objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)

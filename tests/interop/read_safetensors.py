"""Loads a clmnist model (safetensors) with numpy alone: returns ({name: array}, metadata)."""
import json
import struct

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    tensors = {name: np.frombuffer(body[t["data_offsets"][0]:t["data_offsets"][1]], dtype="<f4")
               .reshape(t["shape"]) for name, t in header.items()}
    return tensors, meta

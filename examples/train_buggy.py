"""A small Keras training script with two silent mistakes; `ce-lint check examples/` finds them."""
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras.utils import to_categorical

NUM_CLASSES = 10

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
y_train = to_categorical(y_train, NUM_CLASSES)

model = keras.Sequential([
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.2),
    layers.Dense(NUM_CLASSES, activation="softmax"),
])
model.compile(
    optimizer="adam",
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
model.fit(x_train, y_train, epochs=5, batch_size=128, validation_split=0.1)

detector = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(1, activation="softmax")])
detector.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
detector.fit(x_train, np.asarray(y_train[:, 0]), epochs=2)

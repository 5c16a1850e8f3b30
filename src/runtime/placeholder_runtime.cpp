// Placeholder so the layer's library has a translation unit; replaced as the layer grows.

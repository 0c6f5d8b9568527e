DEVICE = "unset"

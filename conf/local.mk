## conf: rules to come

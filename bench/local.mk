## bench: rules to come

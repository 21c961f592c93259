## man: rules to come

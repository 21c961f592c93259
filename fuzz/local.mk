## fuzz: rules to come

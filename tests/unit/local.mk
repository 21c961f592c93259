## tests/unit: rules to come

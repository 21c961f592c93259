## tests/e2e: rules to come

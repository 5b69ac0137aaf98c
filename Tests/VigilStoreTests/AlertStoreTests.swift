// The alert store's tests.

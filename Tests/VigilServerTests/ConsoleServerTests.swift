// The console server's tests.

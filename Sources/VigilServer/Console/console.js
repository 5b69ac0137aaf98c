// vigil console

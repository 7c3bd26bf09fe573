/** A worker module that cannot load (for the pool's fallback to the main thread). */
throw new Error("this worker cannot start");

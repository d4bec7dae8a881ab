#ifndef HINDSIGHT_CMEMORYHINTS_H
#define HINDSIGHT_CMEMORYHINTS_H

/// Asks the CPU to start loading the cache line at `address` (for reading) without waiting for it:
/// loops that are about to touch scattered memory (a hash table slot, a record's state) issue it a
/// few items ahead. A hint only: any address is allowed, nothing is read, nothing can fault.
static inline void hindsight_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// Makes SIGBUS (a read of a mapped file past its end, after the file was cut short) write `message`
/// and a newline to standard error and end the process with exit status 74 (EX_IOERR), instead of a
/// crash. The message is copied (up to 511 bytes). Only async-signal-safe calls run in the handler.
void hindsight_exit_on_sigbus(const char *message);

#endif

// CMemoryHints: static inline memory hints (CMemoryHints.h), and the SIGBUS guard for mapped inputs.
#include "CMemoryHints.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static char sigbus_message[512];
static size_t sigbus_length;

static void hindsight_sigbus_handler(int signal) {
    (void)signal;
    ssize_t ignored = write(2, sigbus_message, sigbus_length);
    (void)ignored;
    _exit(74);
}

void hindsight_exit_on_sigbus(const char *message) {
    size_t n = strlen(message);
    if (n > sizeof(sigbus_message) - 2) n = sizeof(sigbus_message) - 2;
    memcpy(sigbus_message, message, n);
    sigbus_message[n] = '\n';
    sigbus_length = n + 1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = hindsight_sigbus_handler;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, NULL);
}

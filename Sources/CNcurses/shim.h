#ifndef HINDSIGHT_CNCURSES_SHIM_H
#define HINDSIGHT_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <langinfo.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <ncursesw/curses.h>

/* Macros and mutable globals that Swift cannot import directly. */
static inline attr_t hs_a_normal(void) { return A_NORMAL; }
static inline attr_t hs_a_bold(void) { return A_BOLD; }
static inline attr_t hs_a_reverse(void) { return A_REVERSE; }
static inline attr_t hs_a_dim(void) { return A_DIM; }
static inline attr_t hs_a_underline(void) { return A_UNDERLINE; }
static inline attr_t hs_color_pair(int n) { return COLOR_PAIR(n); }
static inline int hs_key_f(int n) { return KEY_F(n); }
static inline int hs_key_mouse(void) { return KEY_MOUSE; }
static inline int hs_lines(void) { return LINES; }
static inline int hs_cols(void) { return COLS; }
static inline int hs_colors(void) { return COLORS; }
static inline int hs_color_pairs(void) { return COLOR_PAIRS; }
static inline WINDOW *hs_stdscr(void) { return stdscr; }
static inline FILE *hs_stdin(void) { return stdin; }
static inline FILE *hs_stdout(void) { return stdout; }
static inline mmask_t hs_all_mouse_events(void) { return ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION; }
static inline mmask_t hs_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t hs_button1_clicked(void) { return BUTTON1_CLICKED; }
static inline mmask_t hs_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t hs_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t hs_button5_pressed(void) { return BUTTON5_PRESSED; }
int wcwidth(wchar_t c);

/* The terminal size from the kernel (for size before start); 0 on success. */
static inline int hs_window_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

/* Whether the current LC_CTYPE encodes UTF-8. */
static inline int hs_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

/*
 * Signal handling: restoring the terminal on SIGINT/SIGTERM/SIGHUP/SIGQUIT and on crashes.
 *
 * The state is process-wide because signals are. It is declared weak (not static) so that every
 * Swift object file that includes this header shares one copy: a `static` variable in a header
 * gets one copy per object file in debug builds, and a handler would set a flag nobody reads.
 *
 * Terminating signals (INT, TERM, HUP, QUIT): the first one only records the signal number
 * (async-signal-safe); the input loop sees it within its polling slice, throws, unwinds, and the
 * normal stop() calls endwin. A second terminating signal means the app did not react: the handler
 * then restores the terminal itself with async-signal-safe calls only (write, tcsetattr) and _exits.
 *
 * Crash signals (SEGV, BUS, ILL, FPE, ABRT, TRAP): the handler restores the terminal the same way,
 * puts back the previous action (e.g. Swift's backtracer) and re-raises, so the crash report is
 * printed on a sane screen.
 */
#define HS_RESTORE_MAX 512
__attribute__((weak)) volatile sig_atomic_t hs_pending_signal = 0;
__attribute__((weak)) volatile sig_atomic_t hs_restore_armed = 0;
__attribute__((weak)) volatile sig_atomic_t hs_handlers_installed = 0;
__attribute__((weak)) int hs_saved_termios_valid = 0;
__attribute__((weak)) struct termios hs_saved_termios = {0};
__attribute__((weak)) char hs_restore_bytes[HS_RESTORE_MAX] = {0};
__attribute__((weak)) size_t hs_restore_length = 0;
__attribute__((weak)) struct sigaction hs_previous_actions[65] = {{{0}}};

static const int hs_terminating_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static const int hs_crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };

/* Writes the saved reset sequence and restores the saved terminal modes; async-signal-safe. */
static void hs_emergency_restore(void) {
    if (!hs_restore_armed) return;
    hs_restore_armed = 0;
    size_t done = 0;
    while (done < hs_restore_length) {
        ssize_t n = write(STDOUT_FILENO, hs_restore_bytes + done, hs_restore_length - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    if (hs_saved_termios_valid) tcsetattr(STDIN_FILENO, TCSANOW, &hs_saved_termios);
}

static void hs_on_terminating_signal(int sig) {
    if (hs_pending_signal != 0) {
        hs_emergency_restore();
        _exit(128 + sig);
    }
    hs_pending_signal = sig;
}

static void hs_on_crash_signal(int sig) {
    hs_emergency_restore();
    if (sig > 0 && sig < 65) sigaction(sig, &hs_previous_actions[sig], NULL);
    raise(sig);
}

/* Saves the terminal modes of stdin for the emergency restore; 0 on success. */
static inline int hs_save_termios(void) {
    hs_saved_termios_valid = tcgetattr(STDIN_FILENO, &hs_saved_termios) == 0;
    return hs_saved_termios_valid ? 0 : -1;
}

/* Clears the emergency reset sequence (call before appending). */
static inline void hs_restore_sequence_reset(void) {
    hs_restore_armed = 0;
    hs_restore_length = 0;
}

/* Appends bytes to the emergency reset sequence (truncated at HS_RESTORE_MAX). */
static inline void hs_restore_sequence_append(const char *bytes) {
    if (bytes == NULL || bytes == (const char *)-1) return;
    size_t n = strlen(bytes);
    if (hs_restore_length + n > HS_RESTORE_MAX) return;
    memcpy(hs_restore_bytes + hs_restore_length, bytes, n);
    hs_restore_length += n;
}

/* Appends the terminfo string capability `name` (e.g. "rmcup") if the terminal has it. */
static inline void hs_restore_sequence_append_capability(const char *name) {
    char *value = tigetstr(name);
    if (value != NULL && value != (char *)-1) hs_restore_sequence_append(value);
}

/* Arms or disarms the emergency restore. */
static inline void hs_restore_arm(int armed) { hs_restore_armed = armed; }

/* Installs the handlers above, remembering the previous actions. */
static inline void hs_install_signal_handlers(void) {
    if (hs_handlers_installed) return;
    hs_pending_signal = 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: a blocked read returns EINTR and the input loop looks at the flag */
    action.sa_handler = hs_on_terminating_signal;
    for (size_t i = 0; i < sizeof hs_terminating_signals / sizeof hs_terminating_signals[0]; i++) {
        int sig = hs_terminating_signals[i];
        sigaction(sig, &action, &hs_previous_actions[sig]);
    }
    action.sa_handler = hs_on_crash_signal;
    action.sa_flags = SA_NODEFER | SA_RESETHAND;
    for (size_t i = 0; i < sizeof hs_crash_signals / sizeof hs_crash_signals[0]; i++) {
        int sig = hs_crash_signals[i];
        sigaction(sig, &action, &hs_previous_actions[sig]);
    }
    hs_handlers_installed = 1;
}

/* Puts back the actions saved by hs_install_signal_handlers and clears the pending signal. */
static inline void hs_restore_signal_handlers(void) {
    if (!hs_handlers_installed) return;
    for (size_t i = 0; i < sizeof hs_terminating_signals / sizeof hs_terminating_signals[0]; i++) {
        int sig = hs_terminating_signals[i];
        sigaction(sig, &hs_previous_actions[sig], NULL);
    }
    for (size_t i = 0; i < sizeof hs_crash_signals / sizeof hs_crash_signals[0]; i++) {
        int sig = hs_crash_signals[i];
        sigaction(sig, &hs_previous_actions[sig], NULL);
    }
    hs_handlers_installed = 0;
    hs_pending_signal = 0;
}

/* The terminating signal received since the handlers were installed, or 0. */
static inline int hs_take_pending_signal(void) { return hs_pending_signal; }

/* Ends the process the way `sig` would have: default action, then re-raise (falls back to _exit). */
static inline void hs_exit_by_signal(int sig) {
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}
#endif

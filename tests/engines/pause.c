// The pod sandbox's process for tests/engines/k8s_test.cpp (what Kubernetes'
// pause image runs): it holds the pod's namespaces and does nothing else.
// Static, so the image is this one file.  As pid 1 of the pod it reaps any
// child that is re-parented to it, and it exits on TERM or INT (which the CRI
// sends on StopPodSandbox; exit status 0); every other signal stays blocked.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  sigset_t blocked;
  sigfillset(&blocked);
  sigdelset(&blocked, SIGTERM);
  sigdelset(&blocked, SIGINT);
  sigdelset(&blocked, SIGCHLD);
  sigprocmask(SIG_SETMASK, &blocked, NULL);
  struct sigaction stop = {.sa_handler = on_stop};
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);
  struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP | SA_RESTART};
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
  return 0;
}

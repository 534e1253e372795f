// probe: a static helper copied into test rootfs; it reports from inside a
// container (key=value lines) or does one thing a test needs (like crun's
// tests/init.c).  Usage: probe <command> [args]
//   report            pid, ppid, ids, groups, umask, cwd, hostname, caps,
//                     NoNewPrivs, Seccomp, fds, rlimits, uid_map
//   env               the environment, one per line
//   mounts            /proc/self/mountinfo
//   exit N            exit with status N
//   kill-self SIG     raise SIG
//   sleep SECS        sleep, reporting "ready" first
//   signals           print the name of each signal received until SIGTERM
//   memhog MB         allocate and touch MB MiB (to be OOM-killed)
//   forkbomb N        try to fork N sleeping children; print how many worked
//   spin MS           busy-loop for MS ms of wall time; print cpu ms used
//   open PATH MODE    open PATH (r|w); print "ok" or the errno name
//   mkdir PATH        mkdir; print "ok" or the errno name
//   read PATH         print the file's content
//   count             print an increasing counter every 100 ms
//   cpus              print Cpus_allowed_list
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void print_file_lines(const char* path, const char* prefix, const char* only) {
  FILE* f = fopen(path, "r");
  if (!f) return;
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    if (only && strncmp(line, only, strlen(only)) != 0) continue;
    printf("%s%s", prefix, line);
  }
  fclose(f);
}

static const char* errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EROFS: return "EROFS";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOSYS: return "ENOSYS";
    case EAGAIN: return "EAGAIN";
    case ENXIO: return "ENXIO";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    default: return "EOTHER";
  }
}

static int report(void) {
  printf("pid=%d\nppid=%d\n", getpid(), getppid());
  printf("uid=%d\ngid=%d\neuid=%d\n", getuid(), getgid(), geteuid());
  gid_t groups[64];
  int n = getgroups(64, groups);
  printf("groups=");
  for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", groups[i]);
  printf("\n");
  mode_t m = umask(0);
  umask(m);
  printf("umask=%04o\n", m);
  char buf[4096];
  printf("cwd=%s\n", getcwd(buf, sizeof buf) ? buf : "?");
  gethostname(buf, sizeof buf);
  printf("hostname=%s\n", buf);
  getdomainname(buf, sizeof buf);
  printf("domainname=%s\n", buf);
  print_file_lines("/proc/self/status", "", "Cap");
  print_file_lines("/proc/self/status", "", "NoNewPrivs");
  print_file_lines("/proc/self/status", "", "Seccomp:");
  printf("fds=");
  DIR* d = opendir("/proc/self/fd");
  int first = 1;
  int dfd = d ? dirfd(d) : -1;
  struct dirent* e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == dfd) continue;
    printf("%s%s", first ? "" : ",", e->d_name);
    first = 0;
  }
  if (d) closedir(d);
  printf("\n");
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  printf("nofile=%llu:%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  getrlimit(RLIMIT_NPROC, &rl);
  printf("nproc=%llu:%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  print_file_lines("/proc/self/uid_map", "uid_map=", NULL);
  print_file_lines("/proc/self/gid_map", "gid_map=", NULL);
  return 0;
}

static volatile sig_atomic_t last_signal;
static void on_signal(int s) { last_signal = s; }

static int signals_loop(void) {
  for (int s = 1; s < 32; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, on_signal);
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    pause();
    int s = last_signal;
    last_signal = 0;
    if (s) {
      printf("signal=%s\n", strsignal(s));
      fflush(stdout);
    }
    if (s == SIGTERM) return 0;
  }
}

static int memhog(long mb) {
  for (long i = 0; i < mb; i++) {
    char* p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      printf("mmap failed at %ld MiB\n", i);
      return 1;
    }
    memset(p, 1, 1 << 20);
  }
  printf("allocated %ld MiB\n", mb);
  return 0;
}

static int forkbomb(int n) {
  int ok = 0;
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) {
      sleep(30);
      _exit(0);
    }
    if (p < 0) break;
    ok++;
  }
  printf("forked=%d\n", ok);
  fflush(stdout);
  kill(0, SIGKILL);
  return 0;
}

static long now_ms(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char* cmd = argc > 1 ? argv[1] : "report";
  if (!strcmp(cmd, "report")) return report();
  if (!strcmp(cmd, "env")) {
    extern char** environ;
    for (char** e = environ; *e; e++) printf("%s\n", *e);
    return 0;
  }
  if (!strcmp(cmd, "mounts")) {
    print_file_lines("/proc/self/mountinfo", "", NULL);
    return 0;
  }
  if (!strcmp(cmd, "exit") && argc > 2) return atoi(argv[2]);
  if (!strcmp(cmd, "kill-self") && argc > 2) {
    signal(atoi(argv[2]), SIG_DFL);
    raise(atoi(argv[2]));
    return 99;
  }
  if (!strcmp(cmd, "sleep") && argc > 2) {
    printf("ready\n");
    fflush(stdout);
    sleep((unsigned)atoi(argv[2]));
    return 0;
  }
  if (!strcmp(cmd, "signals")) return signals_loop();
  if (!strcmp(cmd, "memhog") && argc > 2) return memhog(atol(argv[2]));
  if (!strcmp(cmd, "forkbomb") && argc > 2) return forkbomb(atoi(argv[2]));
  if (!strcmp(cmd, "spin") && argc > 2) {
    long end = now_ms(CLOCK_MONOTONIC) + atol(argv[2]);
    volatile unsigned long x = 0;
    while (now_ms(CLOCK_MONOTONIC) < end) x++;
    printf("cpu_ms=%ld\n", now_ms(CLOCK_PROCESS_CPUTIME_ID));
    return 0;
  }
  if (!strcmp(cmd, "open") && argc > 3) {
    int fd = open(argv[2], argv[3][0] == 'w' ? O_WRONLY : O_RDONLY);
    printf("%s\n", fd >= 0 ? "ok" : errno_name(errno));
    return fd >= 0 ? 0 : 1;
  }
  if (!strcmp(cmd, "mkdir") && argc > 2) {
    int rc = mkdir(argv[2], 0755);
    printf("%s\n", rc == 0 ? "ok" : errno_name(errno));
    return rc == 0 ? 0 : 1;
  }
  if (!strcmp(cmd, "read") && argc > 2) {
    FILE* f = fopen(argv[2], "r");
    if (!f) {
      printf("%s\n", errno_name(errno));
      return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
  }
  if (!strcmp(cmd, "count")) {
    for (long i = 0;; i++) {
      printf("%ld\n", i);
      fflush(stdout);
      usleep(100000);
    }
  }
  if (!strcmp(cmd, "cpus")) {
    print_file_lines("/proc/self/status", "", "Cpus_allowed_list");
    return 0;
  }
  fprintf(stderr, "probe: unknown command %s\n", cmd);
  return 2;
}

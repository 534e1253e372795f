// The kernel's procfs tables as text, one reader each: /proc/PID/mountinfo
// (cgroup/ finds the hierarchies in it, rootfs/ the mount holding a path)
// and /proc/PID/cgroup.  Parsing takes text so tests and the fuzz target can
// feed samples of every layout; nothing here reads a file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minirun::procfs {

// One line of mountinfo, fields separated by one space each:
//   "36 35 98:0 ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS"
// Views into the text.  ROOT, MOUNT_POINT and SOURCE keep the kernel's \ooo
// escapes (unescape()): most have none, and `run` parses the whole table at
// each start, so no copy is made per line.
struct MountLine {
  std::string_view root, mount_point, options;
  std::string_view optional;  // "shared:1 master:2", may be empty
  std::string_view fstype, source, super_options;
};

// The lines of a mountinfo text in order (a later mount on the same point
// hides an earlier one).  A line without the six leading fields, the "-"
// and the three after it is skipped.  An empty field (a mount whose source
// is "") stays empty: it is two spaces in a row, not one.
std::vector<MountLine> parse_mountinfo(std::string_view text);

// mountinfo's escape of space, tab, newline and backslash: "\040" -> " ".
// A backslash not followed by three octal digits is kept as it is.
std::string unescape(std::string_view field);

// One line of /proc/PID/cgroup, "ID:CONTROLLERS:PATH".  Views into the text.
struct CgroupLine {
  std::string_view controllers;  // "cpu,cpuacct", "name=systemd"; "" on the cgroup2 line "0::/a"
  std::string_view path;         // as the reader's cgroup namespace sees it; may hold ':'
};

// The lines with both ':' separators, in order.
std::vector<CgroupLine> parse_proc_cgroup(std::string_view text);

}  // namespace minirun::procfs

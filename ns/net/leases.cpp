#include "ns/net/leases.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>

#include "spec/error.h"
#include "spec/files.h"
#include "spec/unique_fd.h"
#include "spec/strings.h"

namespace minirun::ns::leases {

namespace {

uint32_t host_mask(int prefix_len) { return prefix_len >= 32 ? 0 : ~uint32_t{0} >> prefix_len; }

UniqueFd lock_file(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) throw Error("mkdir " + std::filesystem::path(path).parent_path().string() + ": " + ec.message(), ec.value());
  const std::string lock = path + ".lock";
  UniqueFd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throw_errno("open " + lock);
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) throw_errno("flock " + lock);
  }
  return fd;
}

// A lease file that does not exist yet has no leases.
std::string read_leases(const std::string& path) {
  std::string text;
  if (try_read_file(path, text)) return text;
  if (errno == ENOENT) return "";
  return read_file(path);  // throws, naming the path and the cause
}

}  // namespace

uint32_t Subnet::broadcast() const { return network | host_mask(prefix_len); }

uint32_t parse_ipv4(const std::string& text) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) throw Error(text + " is not an IPv4 address", EINVAL);
  return ntohl(addr.s_addr);
}

std::string format_ipv4(uint32_t address) {
  in_addr addr{htonl(address)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, buf, sizeof(buf));
  return buf;
}

Subnet parse_subnet(const std::string& text) {
  return with_context("subnet " + text, [&] {
    auto slash = text.find('/');
    if (slash == std::string::npos) throw Error("expected ADDRESS/PREFIX (10.88.0.0/16)", EINVAL);
    Subnet subnet;
    subnet.network = parse_ipv4(text.substr(0, slash));
    const std::string prefix = text.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 2 || !std::all_of(prefix.begin(), prefix.end(), ::isdigit)) {
      throw Error("prefix length " + prefix + " is not a number", EINVAL);
    }
    subnet.prefix_len = std::stoi(prefix);
    // /31 and /32 leave no room for a gateway plus a container.
    if (subnet.prefix_len < 1 || subnet.prefix_len > 30) {
      throw Error("prefix length must be between 1 and 30", EINVAL);
    }
    if (subnet.network & host_mask(subnet.prefix_len)) {
      throw Error("host bits are set (the network is " + format_ipv4(subnet.network & ~host_mask(subnet.prefix_len)) +
                      "/" + prefix + ")",
                  EINVAL);
    }
    return subnet;
  });
}

std::vector<Entry> parse(const std::string& text) {
  std::vector<Entry> entries;
  const std::vector<std::string> lines = split(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const int number = static_cast<int>(i) + 1;
    const std::vector<std::string> fields = split_words(line);
    if (fields.empty()) continue;
    Entry e;
    if (fields.size() == 2) {
      e.address = fields[0];
      e.container_id = fields[1];
    } else {
      throw Error("line " + std::to_string(number) + ": expected \"ADDRESS CONTAINER_ID\", got \"" + line + "\"",
                  EINVAL);
    }
    with_context("line " + std::to_string(number), [&] { parse_ipv4(e.address); });
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string format(const std::vector<Entry>& entries) {
  std::string out;
  for (const auto& e : entries) out += e.address + " " + e.container_id + "\n";
  return out;
}

std::string allocate(const Subnet& subnet, std::vector<Entry>& entries, const std::string& container_id) {
  // The id is the second word of a line: it must stay one word.
  if (container_id.empty() || container_id.find_first_of(" \t\r\n") != std::string::npos) {
    throw Error("container id \"" + container_id + "\" cannot hold a lease (empty or has whitespace)", EINVAL);
  }
  std::set<uint32_t> taken;
  for (const auto& e : entries) {
    if (e.container_id == container_id) {
      throw Error("container " + container_id + " already holds lease " + e.address, EEXIST);
    }
    taken.insert(parse_ipv4(e.address));
  }
  for (uint32_t a = subnet.gateway() + 1; a < subnet.broadcast(); ++a) {
    if (!taken.count(a)) {
      entries.push_back({format_ipv4(a), container_id});
      return entries.back().address;
    }
  }
  throw Error("subnet " + format_ipv4(subnet.network) + "/" + std::to_string(subnet.prefix_len) +
                  ": no free address",
              ENOSPC);
}

bool release(std::vector<Entry>& entries, const std::string& container_id) {
  auto before = entries.size();
  std::erase_if(entries, [&](const Entry& e) { return e.container_id == container_id; });
  return entries.size() != before;
}

std::string file_path(const std::string& state_root, const std::string& bridge) {
  // The name becomes a file name and an interface name (IFNAMSIZ - 1).
  if (bridge.empty() || bridge.size() > 15 || bridge == "." || bridge == ".." ||
      bridge.find_first_of("/ \t\r\n:") != std::string::npos) {
    throw Error("bridge name \"" + bridge + "\" is not a valid interface name", EINVAL);
  }
  return state_root + "/network/" + bridge + ".leases";
}

std::string acquire(const std::string& path, const Subnet& subnet, const std::string& container_id) {
  UniqueFd lock = lock_file(path);
  auto entries = with_context(path, [&] { return parse(read_leases(path)); });
  std::string address = allocate(subnet, entries, container_id);
  write_file_atomic(path, format(entries), /*sync=*/true);
  return address;
}

void give_back(const std::string& path, const std::string& container_id) {
  if (::access(path.c_str(), F_OK) < 0 && errno == ENOENT) return;  // nothing was ever leased
  UniqueFd lock = lock_file(path);
  auto entries = with_context(path, [&] { return parse(read_leases(path)); });
  if (release(entries, container_id)) write_file_atomic(path, format(entries), /*sync=*/true);
}

}  // namespace minirun::ns::leases

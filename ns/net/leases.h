// Private: the address allocator of the bridge network.  Pure functions on
// the lease file's text, plus the flock'd file operations around them.
// File: STATE_ROOT/network/<bridge>.leases, one "ADDRESS CONTAINER_ID" a line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace minirun::ns::leases {

struct Subnet {
  uint32_t network = 0;  // host byte order
  int prefix_len = 0;

  uint32_t gateway() const { return network + 1; }  // first host address
  uint32_t broadcast() const;
};

// "10.88.0.0/16"; errors: "subnet 10.88.0.1/16: host bits are set".
Subnet parse_subnet(const std::string& text);
uint32_t parse_ipv4(const std::string& text);  // host byte order; throws
std::string format_ipv4(uint32_t address);

struct Entry {
  std::string address;
  std::string container_id;
};

std::vector<Entry> parse(const std::string& text);
std::string format(const std::vector<Entry>& entries);

// Adds a lease for container_id on the first free host address after the
// gateway and returns that address.  Throws if the id already holds one or
// the subnet is full.
std::string allocate(const Subnet& subnet, std::vector<Entry>& entries, const std::string& container_id);
// Returns false when container_id held no lease.
bool release(std::vector<Entry>& entries, const std::string& container_id);

std::string file_path(const std::string& state_root, const std::string& bridge);
// The same, on the file, under an exclusive flock of "<file>.lock"; the file
// is replaced atomically (write temp + rename).
std::string acquire(const std::string& path, const Subnet& subnet, const std::string& container_id);
void give_back(const std::string& path, const std::string& container_id);

}  // namespace minirun::ns::leases

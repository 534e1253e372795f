// Hostname and NIS domain name of the current uts namespace.
#include <unistd.h>

#include <string>

#include "ns/ns.h"
#include "spec/error.h"

namespace minirun::ns {

void set_hostname(const std::string& name) {
  if (::sethostname(name.data(), name.size()) < 0) throw_errno("sethostname " + name);
}

void set_domainname(const std::string& name) {
  if (::setdomainname(name.data(), name.size()) < 0) throw_errno("setdomainname " + name);
}

}  // namespace minirun::ns

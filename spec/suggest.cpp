#include "spec/suggest.h"

#include <algorithm>

namespace minirun {

// Optimal string alignment distance: Levenshtein plus the swap of two
// neighbours, the commonest typo ("hostnmae").
static size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string closest_name(std::string_view word, const std::vector<std::string_view>& names) {
  std::string_view best;
  size_t best_distance = std::min<size_t>(3, (word.size() + 1) / 2);
  for (std::string_view n : names) {
    size_t dist = edit_distance(word, n);
    if (dist < best_distance) {
      best = n;
      best_distance = dist;
    }
  }
  return std::string(best);
}

}  // namespace minirun

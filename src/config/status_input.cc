#include "config/status_input.h"

namespace tidemark {

StatusInput StatusInputOf(const ConfigFile& cfg) {
  StatusInput in;
  for (const SourceConfig& c : cfg.sources) {
    StatusPolicy p;
    p.name = c.name;
    p.owner = c.owner;
    p.domain = c.domain;
    p.sensitivity = c.sensitivity;
    p.rpo_us = c.rpo_us;
    p.rto_us = c.rto_us;
    p.retention = c.retention;
    in.sources.push_back(std::move(p));
  }
  in.drills = cfg.drills;
  return in;
}

}  // namespace tidemark

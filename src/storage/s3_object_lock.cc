// S3Backend's Object Lock (WORM): the headers of locked puts, extending a
// retention, and the probe that checks the bucket really refuses deletes.
// docs/guide/s3.md, "Object Lock".
#include "base/clock.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "storage/s3_backend.h"
#include "storage/s3_xml.h"

namespace tidemark {

namespace {

constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

bool Ok2xx(int status) { return status >= 200 && status < 300; }

const char* HeaderMode(LockMode m) {
  return m == LockMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE";
}

}  // namespace

std::string RetainUntilText(int64_t micros) { return FormatTimeUtc(micros); }

int64_t ParseRetainUntil(const std::string& text) {
  if (text.empty()) return 0;
  std::string t = text;
  // "2026-12-31T23:59:59.000Z" -> "2026-12-31T23:59:59Z"; a fraction
  // rounds up, so the lock is never taken to end before it does.
  bool fraction = false;
  if (size_t dot = t.find('.'); dot != std::string::npos) {
    size_t z = t.find('Z', dot);
    fraction = t.find_first_not_of('0', dot + 1) < (z == std::string::npos ? t.size() : z);
    t = t.substr(0, dot) + (z == std::string::npos ? "" : "Z");
  }
  int64_t us = 0;
  if (!ParseTimeUtc(t, &us)) return 0;
  return fraction ? us + 1000000 : us;
}

Status S3Backend::EnableObjectLock(LockMode mode, int days) {
  if (mode == LockMode::kNone || days < 1) {
    return Status::InvalidArgument("object lock: a mode and at least one day are needed");
  }
  lock_mode_.store(static_cast<int>(mode));
  lock_days_.store(days);
  return Status::OK();
}

HeaderList S3Backend::LockHeadersFor(LockMode mode, int64_t until_us, std::string_view data) {
  // S3 requires an integrity header on every put that sets a lock.
  return {{"x-amz-object-lock-mode", HeaderMode(mode)},
          {"x-amz-object-lock-retain-until-date", RetainUntilText(until_us)},
          {"Content-MD5", Base64(Md5(data))}};
}

HeaderList S3Backend::LockHeaders(const FileHandle& h, std::string_view data) const {
  const auto mode = static_cast<LockMode>(lock_mode_.load());
  if (mode == LockMode::kNone || !RetainedKind(h.kind)) return {};
  const int64_t until = Clock::Real()->NowMicros() + lock_days_.load() * kMicrosPerDay;
  return LockHeadersFor(mode, until, data);
}

Status S3Backend::ExtendRetention(const FileHandle& h, int64_t until_us) {
  const auto mode = static_cast<LockMode>(lock_mode_.load());
  if (mode == LockMode::kNone) {
    return Status::Unsupported(Location() + ": Object Lock is not on for this repository");
  }
  TM_ASSIGN_OR_RETURN(FileInfo info, Stat(h));
  if (info.retain_until_us >= until_us) return Status::OK();
  const std::string body =
      std::string("<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">") + "<Mode>" +
      HeaderMode(mode) + "</Mode><RetainUntilDate>" + RetainUntilText(until_us) +
      "</RetainUntilDate></Retention>";
  Call c{"PUT",
         ObjectKey(h),
         {{"retention", ""}},
         {{"Content-MD5", Base64(Md5(body))}},
         body,
         "extend the lock of " + h.ToString()};
  TM_ASSIGN_OR_RETURN(HttpResponse r, Send(c));
  if (!Ok2xx(r.status)) return ErrorOf(c, r);
  return Status::OK();
}

// Writes a canary locked for a day, then deletes that very version without
// any bypass header: storage that enforces Object Lock refuses (403). The
// canary lives under locks/ with a dot name, which List never shows.
Result<WormProbe> S3Backend::ProbeWorm() {
  auto mode = static_cast<LockMode>(lock_mode_.load());
  if (mode == LockMode::kNone) mode = LockMode::kGovernance;
  const std::string key = KeyPrefix() + "locks/.worm-probe-" + HexEncode(RandomBytes(8));
  const std::string body = "tidemark WORM probe";
  const int64_t until = Clock::Real()->NowMicros() + kMicrosPerDay;
  Call put{"PUT", key, {}, LockHeadersFor(mode, until, body), body, "write the WORM canary"};
  TM_ASSIGN_OR_RETURN(HttpResponse pr, Send(put));
  WormProbe probe;
  if (pr.status == 400 || pr.status == 501) {
    probe.detail = "the bucket refused a locked put (" + XmlText(pr.body, "Code") + ": " +
                   XmlText(pr.body, "Message") + "): create the bucket with Object Lock enabled";
    return probe;
  }
  if (!Ok2xx(pr.status)) return ErrorOf(put, pr);
  const std::string version = pr.Header("x-amz-version-id");
  Call del{"DELETE", key, {}, {}, {}, "delete the WORM canary's version"};
  if (!version.empty()) del.query.emplace_back("versionId", version);
  TM_ASSIGN_OR_RETURN(HttpResponse dr, Send(del));
  if (dr.status == 403) {
    probe.enforced = true;
    probe.detail = "the bucket refused to delete a locked version (" + XmlText(dr.body, "Code") +
                   "); the canary " + key + " stays until " + RetainUntilText(until);
    return probe;
  }
  if (!Ok2xx(dr.status) && dr.status != 404) return ErrorOf(del, dr);
  probe.detail = version.empty()
                     ? "the bucket gave the canary no version id (no versioning, so no Object "
                       "Lock) and deleted it"
                     : "the bucket deleted a locked version of the canary";
  probe.detail += ": it does not enforce immutability";
  return probe;
}

}  // namespace tidemark

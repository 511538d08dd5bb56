#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include "base/hex.h"

namespace tidemark {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(CryptoInit().ok()); }
};

TEST_F(CryptoTest, Sha256KnownAnswer) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Hasher h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Finish(), Sha256("abc"));
}

TEST_F(CryptoTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(CryptoTest, AeadRoundTripAndTamper) {
  const std::string key = RandomBytes(kAeadKeySize);
  const std::string sealed = AeadSeal(key, "secret records", "aad");
  ASSERT_EQ(sealed.size(), 14 + kAeadOverhead);
  auto opened = AeadOpen(key, sealed, "aad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "secret records");
  // Nonces are random: the same plaintext never seals to the same bytes.
  EXPECT_NE(AeadSeal(key, "secret records", "aad"), sealed);
  for (size_t i = 0; i < sealed.size(); i++) {
    std::string bad = sealed;
    bad[i] ^= 0x40;
    auto r = AeadOpen(key, bad, "aad");
    ASSERT_FALSE(r.ok()) << "flip at " << i;
    EXPECT_EQ(r.status().message(), "authentication failed");
  }
  EXPECT_FALSE(AeadOpen(key, sealed, "other aad").ok());
  EXPECT_FALSE(AeadOpen(RandomBytes(kAeadKeySize), sealed, "aad").ok());
  EXPECT_EQ(AeadOpen(key, "short", "").status().message(), "too short to be encrypted data");
}

TEST_F(CryptoTest, DeriveKeyIsDeterministicPerSaltAndChecksParams) {
  KdfParams fast{1, 8192};
  const std::string salt(kKdfSaltSize, 's');
  auto a = DeriveKey("pw", salt, fast, 32);
  auto b = DeriveKey("pw", salt, fast, 32);
  auto c = DeriveKey("pw2", salt, fast, 32);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_TRUE(DeriveKey("pw", salt, KdfParams{0, 8192}, 32).status().IsInvalidArgument());
  EXPECT_TRUE(DeriveKey("pw", salt, KdfParams{1, 1ull << 40}, 32).status().IsInvalidArgument());
  EXPECT_TRUE(DeriveKey("pw", "short", fast, 32).status().IsInvalidArgument());
}

TEST_F(CryptoTest, SignAndVerify) {
  auto kp = SignKeyPairFromSeed(std::string(kSignSeedSize, '\x07'));
  ASSERT_TRUE(kp.ok());
  const std::string sig = Sign(*kp, "ledger entry 1");
  EXPECT_TRUE(VerifySignature(kp->public_key, "ledger entry 1", sig));
  EXPECT_FALSE(VerifySignature(kp->public_key, "ledger entry 2", sig));
  std::string bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(VerifySignature(kp->public_key, "ledger entry 1", bad));
  EXPECT_FALSE(VerifySignature("short", "ledger entry 1", sig));
  EXPECT_FALSE(SignKeyPairFromSeed("short").ok());
}

TEST_F(CryptoTest, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
}

}  // namespace
}  // namespace tidemark

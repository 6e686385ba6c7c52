// TestPki: certificates made at test time, in memory and as PEM files under the test's temporary
// directory: a CA, a server certificate for localhost / 127.0.0.1 and a client certificate it
// signs, and a client certificate of another CA that the server does not trust. For the tests
// of TLS sessions and TLS streams; nothing is checked in.
//
// Threads: TestPki() builds them once (thread-safe static initialisation); read-only after.
#ifndef MEMKV_TESTS_SUPPORT_TEST_PKI_H_
#define MEMKV_TESTS_SUPPORT_TEST_PKI_H_

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/tls/tls_context.h"

namespace memkv::server {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

struct Identity {
  Key key;
  Cert cert;
};

inline void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(extension, nullptr);
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

// A certificate for `common_name`, signed by `issuer` (self-signed when null, and then a CA).
inline Identity MakeIdentity(const char* common_name, const Identity* issuer, long serial) {
  Identity id;
  id.key.reset(EVP_EC_gen("P-256"));
  id.cert.reset(X509_new());
  X509* cert = id.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, id.key.get());
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  if (issuer == nullptr) {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
  } else {
    AddExtension(cert, issuer_cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  }
  X509_sign(cert, issuer != nullptr ? issuer->key.get() : id.key.get(), EVP_sha256());
  return id;
}

inline std::string WritePem(const std::string& name, X509* cert, EVP_PKEY* key) {
  // The process id in the name: test binaries run in parallel, each with its own certificates.
  std::string path =
      testing::TempDir() + "/memkv_test_pki_" + std::to_string(getpid()) + "_" + name + ".pem";
  FILE* file = std::fopen(path.c_str(), "w");
  EXPECT_NE(file, nullptr);
  if (cert != nullptr) PEM_write_X509(file, cert);
  if (key != nullptr) PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
  return path;
}

// The certificates every test uses, made once.
struct Pki {
  Identity ca = MakeIdentity("memkv test CA", nullptr, 1);
  Identity server = MakeIdentity("localhost", &ca, 2);
  Identity client = MakeIdentity("client", &ca, 3);
  Identity stranger_ca = MakeIdentity("some other CA", nullptr, 4);
  Identity stranger = MakeIdentity("stranger", &stranger_ca, 5);
  std::string ca_file = WritePem("ca", ca.cert.get(), nullptr);
  std::string server_cert_file = WritePem("server", server.cert.get(), nullptr);
  std::string server_key_file = WritePem("server_key", nullptr, server.key.get());
};

inline const Pki& TestPki() {
  static const Pki* pki = new Pki();
  return *pki;
}

// The server's side for `policy`, with the test PKI's files.
inline TlsConfig TestServerConfig(ClientCertificates policy) {
  const Pki& pki = TestPki();
  TlsConfig config;
  config.cert_file = pki.server_cert_file;
  config.key_file = pki.server_key_file;
  config.ca_cert_file = pki.ca_file;
  config.client_certificates = policy;
  return config;
}

}  // namespace memkv::server

#endif  // MEMKV_TESTS_SUPPORT_TEST_PKI_H_

#include "sync/messages.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <climits>
#include <exception>
#include <mutex>
#include <new>

#include "core/files.h"
#include "sync/envelope.h"

namespace loconet::sync {

namespace {

void ProtobufLogToSpdlog(google::protobuf::LogLevel level, const char* filename, int line,
                         const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_FATAL) {
    spdlog::error("protobuf {}:{}: {}", filename, line, message);
  } else {
    spdlog::debug("protobuf {}:{}: {}", filename, line, message);
  }
}

}  // namespace

void RouteProtobufLogs() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(&ProtobufLogToSpdlog); });
}

Result<Bytes> SerializeProto(const google::protobuf::MessageLite& message) {
  try {
    size_t n = message.ByteSizeLong();
    if (n > static_cast<size_t>(INT_MAX)) {
      return Error(Code::kInternal,
                   "message of " + std::to_string(n) + " bytes exceeds protobuf's 2 GiB limit");
    }
    Bytes out(n);
    google::protobuf::io::ArrayOutputStream array(out.data(), static_cast<int>(n));
    google::protobuf::io::CodedOutputStream coded(&array);
    coded.SetSerializationDeterministic(true);
    message.SerializeWithCachedSizes(&coded);
    if (coded.HadError() || static_cast<size_t>(coded.ByteCount()) != n) {
      return Error(Code::kInternal, "serializing " + message.GetTypeName() + " failed");
    }
    return out;
  } catch (const std::bad_alloc&) {
    return Error(Code::kInternal, "out of memory serializing a message");
  } catch (const std::exception& e) {
    return Error(Code::kInternal, std::string("serializing a message: ") + e.what());
  }
}

Status ParseProto(const uint8_t* data, size_t size, const std::string& what,
                  google::protobuf::MessageLite* out) {
  RouteProtobufLogs();
  try {
    out->Clear();
    if (size > static_cast<size_t>(INT_MAX)) {
      return Error(Code::kDecodeError, what + ": " + std::to_string(size) + " bytes is too long");
    }
    if (!out->ParseFromArray(data, static_cast<int>(size))) {
      out->Clear();
      return Error(Code::kDecodeError, what + ": not a valid " + out->GetTypeName());
    }
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Error(Code::kDecodeError, what + ": out of memory while parsing");
  } catch (const std::exception& e) {
    return Error(Code::kDecodeError, what + ": " + e.what());
  }
}

// Reply.message is a proto3 string: bytes that are not valid UTF-8 would make the whole reply
// unparsable on the other side, and a message may quote peer input. Keep printable ASCII only.
static std::string SafeMessage(const std::string& message) {
  constexpr size_t kMaxMessage = 1024;
  std::string out = message.substr(0, kMaxMessage);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) c = '?';
  }
  return out;
}

proto::Reply MakeReply(const Status& status, uint64_t round) {
  proto::Reply reply;
  reply.set_accepted(status.ok());
  reply.set_reason(static_cast<uint32_t>(status.code()));
  reply.set_message(SafeMessage(status.message()));
  reply.set_round(round);
  return reply;
}

Status ReplyStatus(const proto::Reply& reply) {
  if (reply.accepted()) return Status::Ok();
  Code code = static_cast<Code>(reply.reason());
  if (reply.reason() == 0 || reply.reason() > 0xffff) code = Code::kInternal;
  std::string message = reply.message().empty() ? "rejected" : reply.message();
  return Error(code, message);
}

Result<Bytes> SealRequest(const Identity& sender, const PublicKey& recipient, proto::Request* req,
                          const NetworkId& network) {
  req->set_recipient(RawString(recipient));
  req->set_sent_unix_ms(UnixMillis());
  LOCONET_ASSIGN_OR_RETURN(Bytes body, SerializeProto(*req));
  return SealEnvelope(sender, kTagRequest, body, network);
}

}  // namespace loconet::sync

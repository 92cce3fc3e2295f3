#include "sync/messages.h"

#include <catch2/catch.hpp>

#include "sync/codec.h"
#include "sync/messages.pb.h"

using namespace loconet;
using namespace loconet::sync;

TEST_CASE("a request with a submission round-trips through bytes", "[sync]") {
  proto::Request req;
  proto::Submission* sub = req.mutable_submission();
  sub->set_round(7);
  sub->set_base_hash(std::string(32, 'h'));
  *sub->mutable_codec() = CodecSpec{}.ToProto();
  proto::EncodedTensor* t = sub->add_tensors();
  t->set_name("wte.weight");
  t->add_shape(4);
  t->add_shape(8);
  t->set_data(std::string(128, '\0'));
  auto bytes = SerializeProto(req);
  REQUIRE(bytes.ok());
  proto::Request back;
  REQUIRE(ParseProto(*bytes, "request", &back).ok());
  REQUIRE(back.body_case() == proto::Request::kSubmission);
  CHECK(back.submission().round() == 7);
  CHECK(back.submission().tensors(0).shape_size() == 2);
  CHECK(CodecSpec::FromProto(back.submission().codec()) == CodecSpec{});
}

TEST_CASE("parsing garbage as a message is a decode_error naming it", "[sync]") {
  Bytes junk = {0xff, 0xff, 0xff, 0xff, 0xff};
  proto::Request req;
  Status s = ParseProto(junk, "request body", &req);
  CHECK(s.code() == Code::kDecodeError);
  CHECK(s.message().find("request body") != std::string::npos);
}

TEST_CASE("a reply carries a status's code and message and gives it back", "[sync]") {
  proto::Reply ok = MakeReply(Status::Ok(), 3);
  CHECK(ok.accepted());
  CHECK(ok.reason() == 0);
  CHECK(ReplyStatus(ok).ok());
  proto::Reply late = MakeReply(Error(Code::kLate, "after the deadline\xff"), 4);
  CHECK_FALSE(late.accepted());
  CHECK(late.reason() == static_cast<uint32_t>(Code::kLate));
  CHECK(late.round() == 4);
  CHECK(late.message() == "after the deadline?");
  Status back = ReplyStatus(late);
  CHECK(back.code() == Code::kLate);
  auto bytes = SerializeProto(late);
  REQUIRE(bytes.ok());
  proto::Reply parsed;
  CHECK(ParseProto(*bytes, "reply", &parsed).ok());
}

// report/json_text: reports whose strings come from a dump stay valid JSON and valid UTF-8
// whatever bytes those strings hold; a task name read from a real dump, scribbled, prints.
#include <catch2/catch.hpp>

#include "../support/corrupting_memory.h"
#include "../support/test_data.h"
#include "krdb/kernel/tasks.h"
#include "krdb/report/json_text.h"
#include "krdb/report/kernel_report.h"

using namespace krdb;
using krdb::test::CorruptingMemory;
using krdb::test::kFp;

TEST_CASE("json_text: invalid UTF-8 becomes U+FFFD, never an abort", "[report]") {
  nlohmann::json j = {{"comm", std::string("ok\xff\xfe\xc3", 5)}, {"line", "caf\xc3\xa9"}};
  REQUIRE_THROWS(j.dump());  // what every report did before
  std::string text = json_text(j);
  CHECK(text.find("\xef\xbf\xbd") != std::string::npos);
  CHECK(text.find("caf\xc3\xa9") != std::string::npos);  // valid UTF-8 is kept as it is
  CHECK_NOTHROW(nlohmann::json::parse(text));
  CHECK(json_text(j, -1).find('\n') == std::string::npos);
}

TEST_CASE("json_text: ps of a dump whose task name holds invalid bytes", "[report][dump]") {
  auto p = KernelProgram::open_dump(kFp + "vmlinux", kFp + "builtin-kaslr.d31.kdump");
  REQUIRE(p);
  TaskList good = list_tasks(**p);
  REQUIRE(good.tasks.size() > 3);
  auto comm = (*p)->field("task_struct", "comm");
  REQUIRE(comm);
  CorruptingMemory memory(*(*p)->dump());
  memory.patch(good.tasks[3].address + comm->offset, 0x00c3fe41ffull, 5);  // "\xff" "A" "\xfe" "\xc3"
  KernelProgram scribbled((*p)->debug_info(), memory, (*p)->kaslr_offset(), (*p)->limits());
  TaskList list = list_tasks(scribbled);
  std::string text = json_text(tasks_to_json(list));
  auto parsed = nlohmann::json::parse(text);
  CHECK(text.find("\xef\xbf\xbd") != std::string::npos);
  CHECK(parsed.dump().size() > 0);  // re-dumps: the text holds only valid UTF-8
}

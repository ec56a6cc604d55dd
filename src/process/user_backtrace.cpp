#include "krdb/process/user_backtrace.h"

#include <elf.h>

#include <fmt/format.h>

#include <filesystem>

#include "krdb/dwarf/cfi.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/unwind/cfi_step.h"
#include "krdb/unwind/frame_step.h"
#include "krdb/unwind/walker.h"

namespace krdb {

namespace {


// One mapped file: the executable or a shared object.
struct Image {
  std::string path;        // as mapped (NT_FILE)
  std::string name;        // file name, for frames ("libc.so.6")
  bool main = false;       // the executable: frames print without a module name
  uint64_t bias = 0;       // runtime address - file address
  std::unique_ptr<DebugInfo> debug;
  std::unique_ptr<CallFrameInfo> cfi;
};

// The load bias of `elf` mapped by `m`: a section whose file bytes lie in the mapping sits at
// m.start + (its offset - m.file_offset) at run time.
std::optional<uint64_t> load_bias(const ElfFile& elf, const CoreMapping& m) {
  for (const ElfSection& s : elf.sections()) {
    if (!(s.flags & SHF_ALLOC) || s.type == SHT_NOBITS || s.size == 0) continue;
    if (s.offset >= m.file_offset && s.offset - m.file_offset < m.end - m.start)
      return m.start + (s.offset - m.file_offset) - s.address;
  }
  return std::nullopt;
}

}  // namespace

struct UserUnwinder::State final : StackSource {
  UserCore& core;
  UserBacktraceOptions options;
  std::map<std::string, std::unique_ptr<Image>> images;  // by mapped path; null = cannot open
  std::vector<Error> warnings;
  PtRegsLayout pt_regs = PtRegsLayout::x86_64_user_abi();

  std::string file_for(const std::string& mapped) const {
    if (auto it = options.files.find(mapped); it != options.files.end()) return it->second;
    std::string name = std::filesystem::path(mapped).filename();
    if (auto it = options.files.find(name); it != options.files.end()) return it->second;
    return mapped;
  }

  Image* image_of(uint64_t pc) {
    const CoreMapping* m = core.mapping_of(pc);
    if (!m) return nullptr;
    auto [it, fresh] = images.try_emplace(m->path);
    if (fresh) it->second = open_image(*m);
    return it->second.get();
  }

  std::unique_ptr<Image> open_image(const CoreMapping& m) {
    auto img = std::make_unique<Image>();
    img->path = m.path;
    img->name = std::filesystem::path(m.path).filename();
    img->main = !core.mappings().empty() && core.mappings().front().path == m.path;
    std::string file = file_for(m.path);
    auto debug = DebugInfo::open(file, options.limits);
    if (!debug) {
      warnings.push_back(debug.error().within("image " + m.path + " (its frames get no names or CFI)"));
      return nullptr;
    }
    img->debug = std::move(*debug);
    // The bias from any mapping of this file that holds a section (the first may be headers).
    std::optional<uint64_t> bias;
    for (const CoreMapping& other : core.mappings())
      if (other.path == m.path && (bias = load_bias(img->debug->elf(), other))) break;
    if (!bias) {
      warnings.push_back(Error(ErrorKind::BadData, "no section of the file lies in its mappings: cannot place it", file));
      return nullptr;
    }
    img->bias = *bias;
    auto cfi = CallFrameInfo::open(img->debug->elf(), nullptr);
    if (cfi) img->cfi = std::move(*cfi);
    else warnings.push_back(cfi.error().within("image " + m.path + " (unwound by frame pointers)"));
    return img;
  }

  State(UserCore& c, UserBacktraceOptions o) : core(c), options(std::move(o)) {}

  void symbolize(Frame& f) override { f.where = symbolize(f, image_of(f.pc)); }

  Expected<StepResult> step(const UnwindFrame& frame, const Frame& shown) override {
    return step(frame, shown, image_of(shown.pc));
  }

  AddressInfo symbolize(Frame& f, Image* img) {
    uint64_t lookup = lookup_address(f);
    AddressInfo ai;
    if (img) {
      ai = img->debug->symbolize(lookup - img->bias);
      if (!img->main) f.module = img->name;
    } else if (const CoreMapping* m = core.mapping_of(lookup)) {
      ai.symbol = fmt::format("[{}]", std::filesystem::path(m->path).filename().string());
      ai.symbol_offset = lookup - m->start;
    }
    ai.address = f.pc;
    return ai;
  }

  // CFI when the image has a row for pc and the row is one krdb evaluates; else frame pointers.
  Expected<StepResult> step(const UnwindFrame& frame, const Frame& shown, Image* img) {
    if (img && img->cfi)
      if (auto by_cfi = try_step_cfi(frame, *img->cfi, img->bias, core)) return std::move(*by_cfi);
    StepContext ctx{core, pt_regs, nullptr};
    if (frame.signal && shown.where.symbol && shown.where.symbol_offset == 0)
      return step_at_function_entry(frame, ctx);
    return step_frame_pointer(frame, ctx);
  }
};

UserUnwinder::UserUnwinder(UserCore& core, UserBacktraceOptions options)
    : state_(std::make_unique<State>(core, std::move(options))) {}
UserUnwinder::~UserUnwinder() = default;

const std::vector<Error>& UserUnwinder::warnings() const { return state_->warnings; }

Backtrace UserUnwinder::backtrace(const CoreThread& thread) {
  return walk_stack(*state_, UnwindFrame{thread.registers, true}, "thread", "user stack",
                    state_->options.limits.max_frames);
}

}  // namespace krdb

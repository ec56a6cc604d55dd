# krdb's synthetic-children shim for LLDB. LLDB 19 and 22 accept synthetic children only from
# Python, so this file is the thin part: it asks libkrdb-lldb.so (the formatter layer, C++) what
# a value shows and builds the children LLDB asked for. It knows no kernel or Rust layout; the
# only thing it knows is how LLDB spells a Rust type: members, pointees, template arguments,
# and an enum's variant as `$variants$` -> `$variant$N` (type `...::NAME$Variant`) -> `value`.
# Loaded by the plugin itself (`plugin load`), which then calls attach() with its own path.
import ctypes
import json

import lldb

_lib = None
_rust_types = {}   # (target, modules, module, type name) -> bool
_type_cache = {}   # (target, module, parent type name, path, type) -> lldb.SBType
# Both caches are per target and module (another vmlinux may give a name another type) and are
# emptied when they reach this many entries, so a long session does not grow them without end.
_MAX_CACHED = 20000


def _remember(cache, key, value):
    if len(cache) >= _MAX_CACHED:
        cache.clear()
    cache[key] = value
    return value


def attach(library_path):
    global _lib
    _lib = ctypes.CDLL(library_path)
    _lib.krdb_lldb_is_rust.argtypes = [ctypes.c_uint64, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_char_p]
    _lib.krdb_lldb_is_rust.restype = ctypes.c_int
    _lib.krdb_lldb_children.argtypes = [ctypes.c_uint64, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_char_p,
                                        ctypes.c_uint64, ctypes.c_char_p, ctypes.c_uint32, ctypes.c_uint32,
                                        ctypes.c_char_p]
    _lib.krdb_lldb_children.restype = ctypes.c_char_p
    _lib.krdb_lldb_limits_generation.argtypes = []
    _lib.krdb_lldb_limits_generation.restype = ctypes.c_uint64


def _module_of(sbtype):
    """The type's module file, or "" when LLDB does not say (the C++ side then asks each module)."""
    spec = sbtype.GetModule().GetFileSpec()
    return (spec.fullpath or "") if spec.IsValid() else ""


def is_rust_type(sbtype, internal_dict):
    """The `krdb` category's recognizer: a Rust struct, enum or union krdb's DWARF knows."""
    if _lib is None:
        return False
    name = sbtype.GetUnqualifiedType().GetName() or ""
    # LLDB hands the recognizer a type without its module: the selected target's modules then.
    debugger = lldb.debugger
    target = debugger.GetSelectedTarget() if debugger else None
    if target is None or not target.IsValid():
        return False
    module = _module_of(sbtype)
    key = (target.GetExecutable().fullpath, target.GetNumModules(), module, name)
    if key not in _rust_types:
        return _remember(_rust_types, key,
                         bool(_lib.krdb_lldb_is_rust(debugger.GetID(), debugger.GetIndexOfTarget(target),
                                                     module.encode(), name.encode())))
    return _rust_types[key]


def _field(sbtype, name):
    for i in range(sbtype.GetNumberOfFields()):
        f = sbtype.GetFieldAtIndex(i)
        if f.GetName() == name:
            return f.GetType()
    return None


def _variant(sbtype, name):
    variants = _field(sbtype, "$variants$")
    if variants is None:
        return None
    for i in range(variants.GetNumberOfFields()):
        v = variants.GetFieldAtIndex(i).GetType()
        if (v.GetName() or "").endswith("::" + name + "$Variant"):
            return _field(v, "value")
    return None


def _replay(sbtype, path):
    t = sbtype
    for step in path:
        if t is None or not t.IsValid():
            return None
        t = t.GetCanonicalType()
        kind = step[0]
        if kind == "member":
            t = _field(t, step[1])
        elif kind == "target":
            t = t.GetPointeeType() if t.IsPointerType() or t.IsReferenceType() else t.GetArrayElementType()
        elif kind == "arg":
            t = t.GetTemplateArgumentType(step[1])
        elif kind == "variant":
            t = _variant(t, step[1])
        else:
            return None
    return t if t is not None and t.IsValid() else None


def _child_type(valobj, child):
    parent = valobj.GetType().GetUnqualifiedType()
    path = child.get("path")
    key = (valobj.GetTarget().GetExecutable().fullpath, _module_of(parent), parent.GetName(), repr(path),
           child.get("type"))
    if key not in _type_cache:
        t = _replay(parent, path) if path is not None else None
        if t is None:  # no path from the parent: a type found by name (C types, base types)
            t = valobj.GetTarget().FindFirstType(child.get("type", ""))
            t = t if t.IsValid() else None
        return _remember(_type_cache, key, t)
    return _type_cache[key]


class Children:
    """Synthetic children of a kernel Rust value, as krdb's formatter layer lists them."""

    def __init__(self, valobj, internal_dict):
        self.valobj = valobj
        self.answer = None
        self.generation = None  # of krdb's limits when `answer` was given
        self.child_types = {}  # (path, type name) -> SBType: a KVec's elements share one

    def update(self):
        self.answer = None
        self.child_types = {}
        return False

    def _ask(self):
        generation = _lib.krdb_lldb_limits_generation() if _lib is not None else None
        if self.answer is not None and self.generation == generation:
            return self.answer
        self.generation = generation
        self.answer = {"special": False}
        v = self.valobj.GetNonSyntheticValue()
        target = v.GetTarget()
        if _lib is None or not target.IsValid():
            return self.answer
        sbtype = v.GetType().GetUnqualifiedType()
        # Both where LLDB says the value is and its bytes: for a value in a register LLDB's load
        # address is the register's content, so the C++ side checks one against the other.
        address = v.GetLoadAddress()
        if address == lldb.LLDB_INVALID_ADDRESS:
            address = 0
        error = lldb.SBError()
        data = v.GetData()
        raw = data.ReadRawData(error, 0, data.GetByteSize()) if data.GetByteSize() else b""
        if error.Fail():
            raw = b""
        data_hex = raw.hex()
        # A frame's own variable (not a member of one): the C++ side locates it itself.
        thread_id, frame_id, variable = 0, 0, ""
        if v.GetValueType() in (lldb.eValueTypeVariableLocal, lldb.eValueTypeVariableArgument) and \
                v.GetFrame().IsValid():
            path = lldb.SBStream()
            if v.GetExpressionPath(path) and path.GetData() == v.GetName():
                thread_id = v.GetFrame().GetThread().GetIndexID()
                frame_id = v.GetFrame().GetFrameID()
                variable = v.GetName()
        debugger = target.GetDebugger()
        reply = _lib.krdb_lldb_children(debugger.GetID(), debugger.GetIndexOfTarget(target),
                                        _module_of(sbtype).encode(), (sbtype.GetName() or "").encode(),
                                        address, data_hex.encode(), thread_id, frame_id, variable.encode())
        try:
            self.answer = json.loads(reply.decode("utf-8", "replace"))
        except ValueError:
            self.answer = {"special": False}
        return self.answer

    def _natural(self):
        return self.valobj.GetNonSyntheticValue()

    def num_children(self, max_count=None):
        a = self._ask()
        if not a.get("special"):
            return self._natural().GetNumChildren()
        return len(a.get("children", []))

    def has_children(self):
        return self.num_children() > 0

    def get_child_index(self, name):
        a = self._ask()
        if not a.get("special"):
            return self._natural().GetIndexOfChildWithName(name)
        for i, c in enumerate(a.get("children", [])):
            if c["name"] == name:
                return i
        return -1

    def get_child_at_index(self, index):
        a = self._ask()
        if not a.get("special"):
            return self._natural().GetChildAtIndex(index)
        children = a.get("children", [])
        if index < 0 or index >= len(children):
            return None
        c = children[index]
        key = (repr(c.get("path")), c.get("type"))
        t = self.child_types.get(key)
        if t is None:
            t = self.child_types[key] = _child_type(self.valobj, c)
        if t is None:
            return None
        if "data" in c:
            target = self.valobj.GetTarget()
            data = lldb.SBData()
            data.SetData(lldb.SBError(), bytes.fromhex(c["data"]), target.GetByteOrder(),
                         target.GetAddressByteSize())
            return self.valobj.CreateValueFromData(c["name"], data, t)
        return self.valobj.CreateValueFromAddress(c["name"], c["address"], t)

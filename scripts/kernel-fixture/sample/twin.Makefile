# The built-in rust_crashme.rs built again as a loadable module (rust_crashme.ko), unchanged: the
# same Rust code crashing built in and as a .ko must give krdb triage the same signature.
obj-$(CONFIG_SAMPLE_RUST_CRASHME_KO)		+= rust_crashme.o

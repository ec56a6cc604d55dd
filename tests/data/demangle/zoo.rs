// Source of the v0 "zoo" symbols in the demangler's golden file: one item per production of the
// v0 grammar that real code produces (scripts/gen-demangle-golden.sh compiles it with
// -C symbol-mangling-version=v0 and keeps every symbol; rustfilt supplies the expected text).
#![allow(dead_code, incomplete_features)]
#![feature(adt_const_params, unsized_const_params)]
use std::fmt::Debug;
use std::marker::PhantomData;

pub struct Arr<const N: usize>;
pub struct Flag<const B: bool>;
pub struct Ch<const C: char>;
pub struct Neg<const I: i32>;
pub struct Big<const U: u128>;
pub struct Name<const S: &'static str>;
#[derive(Debug)] pub struct Pair<A, B>(A, B);
pub trait Shape { type Out; fn area(&self) -> Self::Out; }
impl Shape for u8 { type Out = u16; fn area(&self) -> u16 { *self as u16 * 2 } }

#[inline(never)] pub fn consts<const N: usize, const B: bool, const C: char, const I: i32>() -> usize { N + B as usize + C as usize + I as usize }
#[inline(never)] pub fn with_str<const S: &'static str>() -> usize { S.len() }
#[inline(never)] pub fn big<const U: u128>() -> u128 { U }
#[inline(never)] pub fn generic<T: Debug>(t: T) -> String { format!("{:?}", t) }
#[inline(never)] pub fn dyn_assoc(s: &dyn Shape<Out = u16>) -> u16 { s.area() }
#[inline(never)] pub fn dyn_multi(s: &(dyn Debug + Send + Sync)) -> String { format!("{:?}", s) }
#[inline(never)] pub fn fnptr(f: unsafe extern "C" fn(i32, *const u8) -> i64, g: for<'a> fn(&'a str) -> &'a str) -> usize { f as usize + g as usize }
#[inline(never)] pub fn sysv(f: extern "sysv64" fn(), g: extern "C-unwind" fn() -> !) -> usize { f as usize + g as usize }
#[inline(never)] pub fn tuples(t: (u8, (i16,), [u32; 3], &mut [u64], *mut f32, *const f64)) -> u8 { t.0 }
#[inline(never)] pub fn never_returns() -> ! { loop {} }
#[inline(never)] pub fn phantom<T>(_: PhantomData<T>) -> usize { std::mem::size_of::<T>() }
pub fn ünïcödé_naïve() -> u32 { 7 }
pub mod 日本 { #[inline(never)] pub fn 関数() -> u32 { 8 } }
#[inline(never)] pub fn closures(v: &[u32]) -> u32 { let k = 3; v.iter().map(|x| x * k).filter(|x| x % 2 == 0).sum() }
#[inline(never)] pub fn boxed_dyn() -> Box<dyn Fn(u32) -> u32> { Box::new(|x| x + 1) }

fn main() {
    let v = [1u32, 2, 3];
    println!("{}", consts::<3, true, 'x', -5>() + consts::<0, false, '\u{e9}', 7>());
    println!("{}", with_str::<"hi \"there\"\n">());
    println!("{}", big::<{ u128::MAX }>());
    println!("{} {}", generic(Pair(1u8, "a")), generic(Some(Arr::<4>).is_some()));
    println!("{} {}", dyn_assoc(&3u8), dyn_multi(&5i64));
    println!("{}", closures(&v) + boxed_dyn()(1) + ünïcödé_naïve() + 日本::関数());
    println!("{}", phantom::<Flag<true>>(PhantomData) + phantom::<Ch<'\''>>(PhantomData) + phantom::<Neg<-1>>(PhantomData) + phantom::<Big<340282366920938463463374607431768211455>>(PhantomData) + phantom::<Name<"ok">>(PhantomData));
    println!("{}", tuples((1, (2,), [3, 4, 5], &mut [6], std::ptr::null_mut(), std::ptr::null())) as usize);
    extern "C" fn cf(_: i32, _: *const u8) -> i64 { 0 }
    extern "sysv64" fn sv() {}
    extern "C-unwind" fn cu() -> ! { loop {} }
    fn id(s: &str) -> &str { s }
    println!("{}", fnptr(cf, id) + sysv(sv, cu));
    if v.len() == 99 { never_returns(); }
}

// Node-API glue for vae::Trainer. The TypeScript wrapper (src/index.ts) checks arguments and names
// the offending field; the checks here only keep the addon memory-safe when it is called directly.
#define NAPI_VERSION 8
#include <node_api.h>

#include <cblas.h>

#include <cstring>
#include <exception>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dispatch.h"
#include "trainer.h"

namespace {

struct JsError : std::runtime_error {
  explicit JsError(const std::string& m, bool range = false) : std::runtime_error(m), range(range) {}
  bool range;
};

#define CHECK_NAPI(call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) throw JsError("vae_native: " #call " failed"); \
  } while (0)

template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const JsError& e) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) (e.range ? napi_throw_range_error : napi_throw_type_error)(env, nullptr, e.what());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "vae_native: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("vae_native: ") + e.what()).c_str());
  }
  return nullptr;
}

napi_value property(napi_env env, napi_value obj, const char* key) {
  napi_value v;
  CHECK_NAPI(napi_get_named_property(env, obj, key, &v));
  return v;
}

double toNumber(napi_env env, napi_value v, const char* what) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw JsError(std::string(what) + ": expected a number");
  return d;
}

int toInt(napi_env env, napi_value v, const char* what, int lo) {
  const double d = toNumber(env, v, what);
  if (!(d >= lo && d <= 1e9) || d != static_cast<double>(static_cast<int>(d)))
    throw JsError(std::string(what) + ": expected an integer ≥ " + std::to_string(lo), true);
  return static_cast<int>(d);
}

std::string toString(napi_env env, napi_value v, const char* what) {
  char buf[64];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, sizeof buf, &len) != napi_ok) throw JsError(std::string(what) + ": expected a string");
  return std::string(buf, len);
}

bool toBool(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

uint32_t arrayLength(napi_env env, napi_value v, const char* what) {
  bool is = false;
  CHECK_NAPI(napi_is_array(env, v, &is));
  if (!is) throw JsError(std::string(what) + ": expected an array");
  uint32_t n;
  CHECK_NAPI(napi_get_array_length(env, v, &n));
  return n;
}

/** A Float32Array's data, which must hold exactly `expected` values. */
float* float32Data(napi_env env, napi_value v, size_t expected, const std::string& what) {
  bool is = false;
  CHECK_NAPI(napi_is_typedarray(env, v, &is));
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (is) CHECK_NAPI(napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr));
  if (!is || type != napi_float32_array) throw JsError(what + ": expected a Float32Array");
  if (length != expected)
    throw JsError(what + ": has " + std::to_string(length) + " values, expected " + std::to_string(expected), true);
  return static_cast<float*>(data);
}

napi_value newFloat32Array(napi_env env, size_t n, float** data) {
  napi_value buffer, array;
  void* raw = nullptr;
  CHECK_NAPI(napi_create_arraybuffer(env, n * sizeof(float), &raw, &buffer));
  CHECK_NAPI(napi_create_typedarray(env, napi_float32_array, n, buffer, 0, &array));
  *data = static_cast<float*>(raw);
  return array;
}

napi_value number(napi_env env, double d) {
  napi_value v;
  CHECK_NAPI(napi_create_double(env, d, &v));
  return v;
}

struct Holder {
  vae::Trainer* trainer = nullptr;
};

void finalize(napi_env, void* data, void*) {
  auto* h = static_cast<Holder*>(data);
  delete h->trainer;
  delete h;
}

/** `this`, its trainer (throws once disposed) and up to 8 arguments. */
vae::Trainer& unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv, Holder** holder = nullptr) {
  napi_value self;
  CHECK_NAPI(napi_get_cb_info(env, info, argc, argv, &self, nullptr));
  void* raw = nullptr;
  if (napi_unwrap(env, self, &raw) != napi_ok || !raw) throw JsError("vae_native: not a Trainer");
  auto* h = static_cast<Holder*>(raw);
  if (holder) *holder = h;
  if (!h->trainer) throw JsError("NativeVaeTrainer: used after dispose()");
  return *h->trainer;
}

/** Reads (x, n, eps) and checks their sizes against the trainer. */
struct Batch {
  const float* x;
  int n;
  const float* eps;
};
Batch batchArgs(napi_env env, vae::Trainer& t, napi_value* argv) {
  const int n = toInt(env, argv[1], "n", 1);
  const auto& o = t.options();
  const float* x = float32Data(env, argv[0], static_cast<size_t>(n) * o.inputDim, "x");
  const float* eps = float32Data(env, argv[2], static_cast<size_t>(n) * o.latentDim, "eps");
  return {x, n, eps};
}

/**
 * The body of a Trainer method: `this`'s trainer (throws once disposed) and exactly `Arity`
 * arguments (`signature` names them in the error), with C++ errors turned into JS exceptions.
 */
template <size_t Arity, typename Body>
napi_value method(napi_env env, napi_callback_info info, const char* signature, Body&& body) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = Arity;
    napi_value argv[Arity > 0 ? Arity : 1] = {};
    vae::Trainer& t = unwrap(env, info, &argc, Arity > 0 ? argv : nullptr);
    if (argc < Arity) throw JsError(std::string("expected ") + signature);
    return body(t, argv);
  });
}

/** A plain JS object built field by field. */
struct JsObject {
  napi_env env;
  napi_value value;
  explicit JsObject(napi_env e) : env(e) { CHECK_NAPI(napi_create_object(env, &value)); }
  JsObject& set(const char* key, napi_value v) {
    CHECK_NAPI(napi_set_named_property(env, value, key, v));
    return *this;
  }
  JsObject& set(const char* key, double d) { return set(key, number(env, d)); }
  JsObject& set(const char* key, const char* s) {
    napi_value v;
    CHECK_NAPI(napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v));
    return set(key, v);
  }
};

/** A string-valued option, one of `choices` (named in the error). */
template <typename T>
T choice(napi_env env, napi_value v, const char* what, std::initializer_list<std::pair<const char*, T>> choices) {
  const std::string s = toString(env, v, what);
  std::string known;
  for (const auto& [name, value] : choices) {
    if (s == name) return value;
    known += (known.empty() ? "'" : ", '") + std::string(name) + "'";
  }
  throw JsError(std::string(what) + ": expected one of " + known, true);
}

/** `encoder` / `decoder` as the model description lists them ({ type, name, units?, activation? }); the trainer refuses what it has no kernel for. */
std::vector<vae::LayerSpec> layerList(napi_env env, napi_value arr, const char* key) {
  std::vector<vae::LayerSpec> layers;
  const uint32_t len = arrayLength(env, arr, key);
  for (uint32_t i = 0; i < len; i++) {
    const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    napi_value l;
    CHECK_NAPI(napi_get_element(env, arr, i, &l));
    napi_valuetype lt;
    CHECK_NAPI(napi_typeof(env, l, &lt));
    if (lt != napi_object) throw JsError(where + ": expected a layer object");
    vae::LayerSpec spec;
    spec.type = toString(env, property(env, l, "type"), (where + ".type").c_str());
    if (spec.type == "dense") {
      spec.units = toInt(env, property(env, l, "units"), (where + ".units").c_str(), 1);
      spec.activation = toString(env, property(env, l, "activation"), (where + ".activation").c_str());
      spec.name = toString(env, property(env, l, "name"), (where + ".name").c_str());
    }
    layers.push_back(spec);
  }
  return layers;
}

napi_value Construct(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value argv[1], self;
    CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
    if (argc < 1) throw JsError("Trainer: expected an options object");
    napi_value o = argv[0];
    const auto num = [&](const char* key) { return toNumber(env, property(env, o, key), key); };
    vae::Options opt;
    opt.inputDim = toInt(env, property(env, o, "inputDim"), "inputDim", 1);
    opt.latentDim = toInt(env, property(env, o, "latentDim"), "latentDim", 1);
    opt.encoder = layerList(env, property(env, o, "encoder"), "encoder");
    opt.decoder = layerList(env, property(env, o, "decoder"), "decoder");
    opt.learningRate = num("learningRate");
    opt.beta1 = num("beta1");
    opt.beta2 = num("beta2");
    opt.epsilon = num("epsilon");
    opt.klBeta = num("beta");
    opt.reconstruction = choice<vae::Reconstruction>(env, property(env, o, "reconstruction"), "reconstruction",
                                                     {{"bernoulli", vae::Reconstruction::Bernoulli}, {"gaussian", vae::Reconstruction::Gaussian}});
    opt.gaussianLo = num("gaussianLo");
    opt.gaussianHi = num("gaussianHi");
    opt.gaussianSigma = num("gaussianSigma");
    opt.gaussianIncludeConstant = toBool(env, property(env, o, "gaussianIncludeConstant"));
    opt.threads = toInt(env, property(env, o, "threads"), "threads", 1);
    if (opt.threads > 64) throw JsError("threads: at most 64", true);
    opt.parallel = choice<vae::Parallel>(env, property(env, o, "parallel"), "parallel",
                                         {{"auto", vae::Parallel::Auto}, {"split", vae::Parallel::Split}, {"data", vae::Parallel::Data}, {"blas", vae::Parallel::Blas}});
    napi_value sparseInput = property(env, o, "sparseInput");
    napi_valuetype sparseType;
    CHECK_NAPI(napi_typeof(env, sparseInput, &sparseType));
    if (sparseType != napi_undefined) opt.sparseInput = toBool(env, sparseInput);  // else the default, true

    std::unique_ptr<vae::Trainer> trainer;
    try {
      trainer = std::make_unique<vae::Trainer>(opt);
    } catch (const std::invalid_argument& e) {  // a layer it has no kernel for, or an impossible shape
      throw JsError(std::string("Trainer: ") + e.what(), true);
    }
    napi_value weights = property(env, o, "weights");
    const uint32_t count = arrayLength(env, weights, "weights");
    if (count != trainer->tensorCount())
      throw JsError("weights: expected " + std::to_string(trainer->tensorCount()) + " tensors, got " + std::to_string(count), true);
    for (uint32_t i = 0; i < count; i++) {
      napi_value w;
      CHECK_NAPI(napi_get_element(env, weights, i, &w));
      trainer->setTensor(i, float32Data(env, w, trainer->tensorSize(i), "weights[" + std::to_string(i) + "] (" + trainer->tensorName(i) + ")"));
    }
    auto* holder = new Holder{trainer.release()};
    if (napi_wrap(env, self, holder, finalize, nullptr, nullptr) != napi_ok) {
      finalize(env, holder, nullptr);
      throw JsError("vae_native: napi_wrap failed");
    }
    return self;
  });
}

napi_value Step(napi_env env, napi_callback_info info) {
  return method<3>(env, info, "(x, n, eps)", [&](vae::Trainer& t, napi_value* argv) {
    const Batch b = batchArgs(env, t, argv);
    return number(env, t.step(b.x, b.n, b.eps));
  });
}

/** A typed array's data and length, which must be of `type` (named `typeName` in the error). */
void* typedData(napi_env env, napi_value v, napi_typedarray_type want, const char* typeName, size_t* length, const std::string& what) {
  bool is = false;
  CHECK_NAPI(napi_is_typedarray(env, v, &is));
  napi_typedarray_type type;
  void* data = nullptr;
  if (is) CHECK_NAPI(napi_get_typedarray_info(env, v, &type, length, &data, nullptr, nullptr));
  if (!is || type != want) throw JsError(what + ": expected a " + typeName);
  return data;
}

// stepRows(images, rowLength, indices, start, n, table, eps): every index is checked here, since a
// bad one would read outside `images`.
napi_value StepRows(napi_env env, napi_callback_info info) {
  return method<7>(env, info, "(images, rowLength, indices, start, n, table, eps)", [&](vae::Trainer& t, napi_value* argv) {
    const auto& o = t.options();
    size_t imagesLength = 0, indicesLength = 0;
    const auto* images = static_cast<const uint8_t*>(typedData(env, argv[0], napi_uint8_array, "Uint8Array", &imagesLength, "images"));
    const int rowLength = toInt(env, argv[1], "rowLength", 1);
    if (rowLength != o.inputDim)
      throw JsError("rowLength: is " + std::to_string(rowLength) + ", expected inputDim = " + std::to_string(o.inputDim), true);
    const auto* indices = static_cast<const uint32_t*>(typedData(env, argv[2], napi_uint32_array, "Uint32Array", &indicesLength, "indices"));
    const int start = toInt(env, argv[3], "start", 0);
    const int n = toInt(env, argv[4], "n", 1);
    if (static_cast<size_t>(start) + n > indicesLength)
      throw JsError("start + n: is " + std::to_string(start) + " + " + std::to_string(n) + ", beyond indices.length = " +
                        std::to_string(indicesLength),
                    true);
    const float* table = float32Data(env, argv[5], 256, "table");
    const float* eps = float32Data(env, argv[6], static_cast<size_t>(n) * o.latentDim, "eps");
    const size_t rows = imagesLength / static_cast<size_t>(rowLength);
    const uint32_t* batch = indices + start;
    for (int i = 0; i < n; i++) {
      if (batch[i] >= rows)
        throw JsError("NativeVaeTrainer.stepRows: indices[" + std::to_string(start + i) + "]: is " + std::to_string(batch[i]) + ", out of range for images of " +
                          std::to_string(rows) + " rows (images.length / rowLength)",
                      true);
    }
    return number(env, t.stepRows(vae::Trainer::Rows{images, batch, table}, n, eps));
  });
}

/** One Float32Array per tensor of the trainer, in its order, filled by `fill(i, data)`. */
template <typename Fill>
napi_value tensorList(napi_env env, vae::Trainer& t, Fill&& fill) {
  napi_value list;
  CHECK_NAPI(napi_create_array_with_length(env, t.tensorCount(), &list));
  for (size_t i = 0; i < t.tensorCount(); i++) {
    float* data;
    napi_value arr = newFloat32Array(env, t.tensorSize(i), &data);
    fill(i, data);
    CHECK_NAPI(napi_set_element(env, list, static_cast<uint32_t>(i), arr));
  }
  return list;
}

napi_value Gradients(napi_env env, napi_callback_info info) {
  return method<3>(env, info, "(x, n, eps)", [&](vae::Trainer& t, napi_value* argv) {
    const Batch b = batchArgs(env, t, argv);
    const double loss = t.gradients(b.x, b.n, b.eps);
    return JsObject(env).set("loss", loss).set("gradients", tensorList(env, t, [&](size_t i, float* d) { t.getGradient(i, d); })).value;
  });
}

napi_value Evaluate(napi_env env, napi_callback_info info) {
  return method<3>(env, info, "(x, n, eps)", [&](vae::Trainer& t, napi_value* argv) {
    const Batch b = batchArgs(env, t, argv);
    const vae::Evaluation e = t.evaluate(b.x, b.n, b.eps);
    return JsObject(env).set("loss", e.loss).set("lossMu", e.lossMu).set("recon", e.recon).set("kl", e.kl).value;
  });
}

// logImportanceWeights(x, n, k, eps) → Float32Array [n·k]: x [n, inputDim], eps [n·k, latentDim].
napi_value LogImportanceWeights(napi_env env, napi_callback_info info) {
  return method<4>(env, info, "(x, n, k, eps)", [&](vae::Trainer& t, napi_value* argv) {
    const auto& o = t.options();
    const int n = toInt(env, argv[1], "n", 1);
    const int k = toInt(env, argv[2], "k", 1);
    const size_t rows = static_cast<size_t>(n) * k;
    if (rows > 0x7fffffff) throw JsError("n × k: is " + std::to_string(rows) + ", at most 2147483647", true);  // keeps rows·latentDim from overflowing
    const float* x = float32Data(env, argv[0], static_cast<size_t>(n) * o.inputDim, "x");
    const float* eps = float32Data(env, argv[3], rows * o.latentDim, "eps");
    float* data;
    napi_value out = newFloat32Array(env, rows, &data);
    t.logImportanceWeights(x, n, k, eps, data);
    return out;
  });
}

// setKlBeta(beta): the KL weight of the steps from now on (KL warm-up); checked by the wrapper.
napi_value SetKlBeta(napi_env env, napi_callback_info info) {
  return method<1>(env, info, "(beta)", [&](vae::Trainer& t, napi_value* argv) -> napi_value {
    t.setKlBeta(toNumber(env, argv[0], "beta"));
    return nullptr;
  });
}

/** The Float32Arrays of `list`, one per tensor, each checked before any is used, so a bad list changes nothing. */
std::vector<const float*> checkedTensorList(napi_env env, vae::Trainer& t, napi_value list, const char* what) {
  const uint32_t count = arrayLength(env, list, what);
  if (count != t.tensorCount())
    throw JsError(std::string(what) + ": expected " + std::to_string(t.tensorCount()) + " tensors, got " + std::to_string(count), true);
  std::vector<const float*> src(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value w;
    CHECK_NAPI(napi_get_element(env, list, i, &w));
    src[i] = float32Data(env, w, t.tensorSize(i), std::string(what) + "[" + std::to_string(i) + "] (" + t.tensorName(i) + ")");
  }
  return src;
}

napi_value GetWeights(napi_env env, napi_callback_info info) {
  return method<0>(env, info, "()", [&](vae::Trainer& t, napi_value*) { return tensorList(env, t, [&](size_t i, float* d) { t.getTensor(i, d); }); });
}

napi_value SetWeights(napi_env env, napi_callback_info info) {
  return method<1>(env, info, "(weights: Float32Array[])", [&](vae::Trainer& t, napi_value* argv) -> napi_value {
    const auto src = checkedTensorList(env, t, argv[0], "weights");
    for (size_t i = 0; i < src.size(); i++) t.setTensor(i, src[i]);
    return nullptr;
  });
}

napi_value GetAdamState(napi_env env, napi_callback_info info) {
  return method<0>(env, info, "()", [&](vae::Trainer& t, napi_value*) {
    return JsObject(env)
        .set("iterations", static_cast<double>(t.iterations))
        .set("accBeta1", t.accBeta1)
        .set("accBeta2", t.accBeta2)
        .set("m", tensorList(env, t, [&](size_t i, float* d) { t.getMoment(false, i, d); }))
        .set("v", tensorList(env, t, [&](size_t i, float* d) { t.getMoment(true, i, d); }))
        .value;
  });
}

napi_value SetAdamState(napi_env env, napi_callback_info info) {
  return method<1>(env, info, "(state)", [&](vae::Trainer& t, napi_value* argv) -> napi_value {
    napi_value s = argv[0];
    const double iterations = toNumber(env, property(env, s, "iterations"), "iterations");
    const double acc1 = toNumber(env, property(env, s, "accBeta1"), "accBeta1");
    const double acc2 = toNumber(env, property(env, s, "accBeta2"), "accBeta2");
    if (!(iterations >= 0) || iterations != static_cast<double>(static_cast<int64_t>(iterations)))
      throw JsError("iterations: expected an integer ≥ 0", true);
    // Both lists are checked before either is copied.
    const auto m = checkedTensorList(env, t, property(env, s, "m"), "m");
    const auto v = checkedTensorList(env, t, property(env, s, "v"), "v");
    for (size_t i = 0; i < m.size(); i++) {
      t.setMoment(false, i, m[i]);
      t.setMoment(true, i, v[i]);
    }
    t.iterations = static_cast<int64_t>(iterations);
    t.accBeta1 = static_cast<float>(acc1);
    t.accBeta2 = static_cast<float>(acc2);
    return nullptr;
  });
}

napi_value Dispose(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value self;
    size_t argc = 0;
    CHECK_NAPI(napi_get_cb_info(env, info, &argc, nullptr, &self, nullptr));
    void* raw = nullptr;
    if (napi_unwrap(env, self, &raw) == napi_ok && raw) {
      auto* h = static_cast<Holder*>(raw);
      delete h->trainer;
      h->trainer = nullptr;
    }
    return nullptr;
  });
}

napi_value TensorNames(napi_env env, napi_callback_info info) {
  return method<0>(env, info, "()", [&](vae::Trainer& t, napi_value*) {
    napi_value list;
    CHECK_NAPI(napi_create_array_with_length(env, t.tensorCount(), &list));
    for (size_t i = 0; i < t.tensorCount(); i++) {
      napi_value s;
      const std::string name = t.tensorName(i);
      CHECK_NAPI(napi_create_string_utf8(env, name.c_str(), name.size(), &s));
      CHECK_NAPI(napi_set_element(env, list, static_cast<uint32_t>(i), s));
    }
    return list;
  });
}

napi_value Info(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    return JsObject(env)
        .set("blasConfig", openblas_get_config())
        .set("blasCore", openblas_get_corename())
        .set("blasMaxThreads", static_cast<double>(openblas_get_num_procs()))
        .set("hardwareConcurrency", static_cast<double>(std::thread::hardware_concurrency()))
        .set("build", vae::buildKind())
        .set("kernels", vae::kernelLevel())
        .value;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const auto method = [](const char* name, napi_callback fn) { return napi_property_descriptor{name, nullptr, fn, nullptr, nullptr, nullptr, napi_default, nullptr}; };
  const napi_property_descriptor methods[] = {
      method("step", Step),
      method("stepRows", StepRows),
      method("gradients", Gradients),
      method("evaluate", Evaluate),
      method("logImportanceWeights", LogImportanceWeights),
      method("getWeights", GetWeights),
      method("setWeights", SetWeights),
      method("getAdamState", GetAdamState),
      method("setAdamState", SetAdamState),
      method("setKlBeta", SetKlBeta),
      method("tensorNames", TensorNames),
      method("dispose", Dispose),
  };
  napi_value cls, info;
  if (napi_define_class(env, "Trainer", NAPI_AUTO_LENGTH, Construct, nullptr, sizeof methods / sizeof methods[0], methods, &cls) !=
          napi_ok ||
      napi_set_named_property(env, exports, "Trainer", cls) != napi_ok ||
      napi_create_function(env, "info", NAPI_AUTO_LENGTH, Info, nullptr, &info) != napi_ok ||
      napi_set_named_property(env, exports, "info", info) != napi_ok) {
    napi_throw_error(env, nullptr, "vae_native: module init failed");
    return nullptr;
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

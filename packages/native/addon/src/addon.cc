// Node-API glue for vae::Trainer. The TypeScript wrapper (src/index.ts) checks arguments and names
// the offending field; the checks here only keep the addon memory-safe when it is called directly.
#define NAPI_VERSION 8
#include <node_api.h>

#include <cblas.h>

#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
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
Batch batchArgs(napi_env env, vae::Trainer& t, size_t argc, napi_value* argv) {
  if (argc < 3) throw JsError("expected (x, n, eps)");
  const int n = toInt(env, argv[1], "n", 1);
  const auto& o = t.options();
  const float* x = float32Data(env, argv[0], static_cast<size_t>(n) * o.inputDim, "x");
  const float* eps = float32Data(env, argv[2], static_cast<size_t>(n) * o.latentDim, "eps");
  return {x, n, eps};
}

napi_value Construct(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value argv[1], self;
    CHECK_NAPI(napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
    if (argc < 1) throw JsError("Trainer: expected an options object");
    napi_value o = argv[0];
    vae::Options opt;
    opt.inputDim = toInt(env, property(env, o, "inputDim"), "inputDim", 1);
    opt.latentDim = toInt(env, property(env, o, "latentDim"), "latentDim", 1);
    // The layers: `encoder` / `decoder` as the model description lists them ({ type, units,
    // activation, name? }), or the MLP's widths `encoderHidden` / `decoderHidden` (dense ReLU
    // layers, the decoder's linear output layer added). The trainer refuses what it has no kernel for.
    for (const char* key : {"encoder", "decoder"}) {
      const bool isEncoder = std::strcmp(key, "encoder") == 0;
      std::vector<vae::LayerSpec>& layers = isEncoder ? opt.encoder : opt.decoder;
      layers.clear();
      napi_value arr = property(env, o, key);
      napi_valuetype type;
      CHECK_NAPI(napi_typeof(env, arr, &type));
      if (type == napi_undefined) {
        const char* widthsKey = isEncoder ? "encoderHidden" : "decoderHidden";
        napi_value widthsArr = property(env, o, widthsKey);
        const uint32_t len = arrayLength(env, widthsArr, widthsKey);
        std::vector<int> widths;
        for (uint32_t i = 0; i < len; i++) {
          napi_value w;
          CHECK_NAPI(napi_get_element(env, widthsArr, i, &w));
          widths.push_back(toInt(env, w, widthsKey, 1));
        }
        layers = vae::denseReluLayers(widths, isEncoder ? 0 : opt.inputDim);
        continue;
      }
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
        }
        napi_value name = property(env, l, "name");
        napi_valuetype nt;
        CHECK_NAPI(napi_typeof(env, name, &nt));
        if (nt == napi_string) spec.name = toString(env, name, (where + ".name").c_str());
        layers.push_back(spec);
      }
    }
    opt.learningRate = toNumber(env, property(env, o, "learningRate"), "learningRate");
    opt.beta1 = toNumber(env, property(env, o, "beta1"), "beta1");
    opt.beta2 = toNumber(env, property(env, o, "beta2"), "beta2");
    opt.epsilon = toNumber(env, property(env, o, "epsilon"), "epsilon");
    opt.klBeta = toNumber(env, property(env, o, "beta"), "beta");
    const std::string recon = toString(env, property(env, o, "reconstruction"), "reconstruction");
    if (recon == "bernoulli") {
      opt.reconstruction = vae::Reconstruction::Bernoulli;
    } else if (recon == "gaussian") {
      opt.reconstruction = vae::Reconstruction::Gaussian;
    } else {
      throw JsError("reconstruction: expected 'bernoulli' or 'gaussian'", true);
    }
    opt.gaussianLo = toNumber(env, property(env, o, "gaussianLo"), "gaussianLo");
    opt.gaussianHi = toNumber(env, property(env, o, "gaussianHi"), "gaussianHi");
    opt.gaussianSigma = toNumber(env, property(env, o, "gaussianSigma"), "gaussianSigma");
    opt.gaussianIncludeConstant = toBool(env, property(env, o, "gaussianIncludeConstant"));
    opt.threads = toInt(env, property(env, o, "threads"), "threads", 1);
    if (opt.threads > 64) throw JsError("threads: at most 64", true);
    const std::string parallel = toString(env, property(env, o, "parallel"), "parallel");
    if (parallel == "split") {
      opt.parallel = vae::Parallel::Split;
    } else if (parallel == "data") {
      opt.parallel = vae::Parallel::Data;
    } else if (parallel == "blas") {
      opt.parallel = vae::Parallel::Blas;
    } else if (parallel == "auto") {
      opt.parallel = vae::Parallel::Auto;
    } else {
      throw JsError("parallel: expected 'auto', 'split', 'data' or 'blas'", true);
    }

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
  return guarded(env, [&]() -> napi_value {
    size_t argc = 3;
    napi_value argv[3];
    vae::Trainer& t = unwrap(env, info, &argc, argv);
    const Batch b = batchArgs(env, t, argc, argv);
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
  return guarded(env, [&]() -> napi_value {
    size_t argc = 7;
    napi_value argv[7];
    vae::Trainer& t = unwrap(env, info, &argc, argv);
    if (argc < 7) throw JsError("expected (images, rowLength, indices, start, n, table, eps)");
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

napi_value Gradients(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 3;
    napi_value argv[3];
    vae::Trainer& t = unwrap(env, info, &argc, argv);
    const Batch b = batchArgs(env, t, argc, argv);
    const double loss = t.gradients(b.x, b.n, b.eps);
    napi_value grads, out;
    CHECK_NAPI(napi_create_array_with_length(env, t.tensorCount(), &grads));
    for (size_t i = 0; i < t.tensorCount(); i++) {
      float* data;
      napi_value arr = newFloat32Array(env, t.tensorSize(i), &data);
      t.getGradient(i, data);
      CHECK_NAPI(napi_set_element(env, grads, static_cast<uint32_t>(i), arr));
    }
    CHECK_NAPI(napi_create_object(env, &out));
    CHECK_NAPI(napi_set_named_property(env, out, "loss", number(env, loss)));
    CHECK_NAPI(napi_set_named_property(env, out, "gradients", grads));
    return out;
  });
}

napi_value Evaluate(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 3;
    napi_value argv[3];
    vae::Trainer& t = unwrap(env, info, &argc, argv);
    const Batch b = batchArgs(env, t, argc, argv);
    const vae::Evaluation e = t.evaluate(b.x, b.n, b.eps);
    napi_value out;
    CHECK_NAPI(napi_create_object(env, &out));
    CHECK_NAPI(napi_set_named_property(env, out, "loss", number(env, e.loss)));
    CHECK_NAPI(napi_set_named_property(env, out, "lossMu", number(env, e.lossMu)));
    CHECK_NAPI(napi_set_named_property(env, out, "recon", number(env, e.recon)));
    CHECK_NAPI(napi_set_named_property(env, out, "kl", number(env, e.kl)));
    return out;
  });
}

// logImportanceWeights(x, n, k, eps) → Float32Array [n·k]: x [n, inputDim], eps [n·k, latentDim].
napi_value LogImportanceWeights(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 4;
    napi_value argv[4];
    vae::Trainer& t = unwrap(env, info, &argc, argv);
    if (argc < 4) throw JsError("expected (x, n, k, eps)");
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
  return guarded(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value argv[1];
    vae::Trainer& t = unwrap(env, info, &argc, argv);
    if (argc < 1) throw JsError("setKlBeta: expected a number");
    t.setKlBeta(toNumber(env, argv[0], "beta"));
    return nullptr;
  });
}

enum class Which { Weights, M, V };

napi_value tensorList(napi_env env, vae::Trainer& t, Which which) {
  napi_value list;
  CHECK_NAPI(napi_create_array_with_length(env, t.tensorCount(), &list));
  for (size_t i = 0; i < t.tensorCount(); i++) {
    float* data;
    napi_value arr = newFloat32Array(env, t.tensorSize(i), &data);
    if (which == Which::Weights) {
      t.getTensor(i, data);
    } else {
      t.getMoment(which == Which::V, i, data);
    }
    CHECK_NAPI(napi_set_element(env, list, static_cast<uint32_t>(i), arr));
  }
  return list;
}

/** Checks a whole list before copying any of it, so a bad list changes nothing. */
void readTensorList(napi_env env, vae::Trainer& t, napi_value list, Which which, const char* what) {
  const uint32_t count = arrayLength(env, list, what);
  if (count != t.tensorCount())
    throw JsError(std::string(what) + ": expected " + std::to_string(t.tensorCount()) + " tensors, got " + std::to_string(count), true);
  std::vector<const float*> src(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value w;
    CHECK_NAPI(napi_get_element(env, list, i, &w));
    src[i] = float32Data(env, w, t.tensorSize(i), std::string(what) + "[" + std::to_string(i) + "] (" + t.tensorName(i) + ")");
  }
  for (uint32_t i = 0; i < count; i++) {
    if (which == Which::Weights) {
      t.setTensor(i, src[i]);
    } else {
      t.setMoment(which == Which::V, i, src[i]);
    }
  }
}

napi_value GetWeights(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 0;
    vae::Trainer& t = unwrap(env, info, &argc, nullptr);
    return tensorList(env, t, Which::Weights);
  });
}

napi_value SetWeights(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value argv[1];
    vae::Trainer& t = unwrap(env, info, &argc, argv);
    if (argc < 1) throw JsError("setWeights: expected a list of Float32Array");
    readTensorList(env, t, argv[0], Which::Weights, "weights");
    return nullptr;
  });
}

napi_value GetAdamState(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 0;
    vae::Trainer& t = unwrap(env, info, &argc, nullptr);
    napi_value out;
    CHECK_NAPI(napi_create_object(env, &out));
    CHECK_NAPI(napi_set_named_property(env, out, "iterations", number(env, static_cast<double>(t.iterations))));
    CHECK_NAPI(napi_set_named_property(env, out, "accBeta1", number(env, t.accBeta1)));
    CHECK_NAPI(napi_set_named_property(env, out, "accBeta2", number(env, t.accBeta2)));
    CHECK_NAPI(napi_set_named_property(env, out, "m", tensorList(env, t, Which::M)));
    CHECK_NAPI(napi_set_named_property(env, out, "v", tensorList(env, t, Which::V)));
    return out;
  });
}

napi_value SetAdamState(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t argc = 1;
    napi_value argv[1];
    vae::Trainer& t = unwrap(env, info, &argc, argv);
    if (argc < 1) throw JsError("setAdamState: expected a state object");
    napi_value s = argv[0];
    const double iterations = toNumber(env, property(env, s, "iterations"), "iterations");
    const double acc1 = toNumber(env, property(env, s, "accBeta1"), "accBeta1");
    const double acc2 = toNumber(env, property(env, s, "accBeta2"), "accBeta2");
    if (!(iterations >= 0) || iterations != static_cast<double>(static_cast<int64_t>(iterations)))
      throw JsError("iterations: expected an integer ≥ 0", true);
    // Both lists are checked before either is copied.
    napi_value m = property(env, s, "m"), v = property(env, s, "v");
    const uint32_t count = arrayLength(env, m, "m");
    if (count != t.tensorCount()) throw JsError("m: expected " + std::to_string(t.tensorCount()) + " tensors, got " + std::to_string(count), true);
    const uint32_t countV = arrayLength(env, v, "v");
    if (countV != t.tensorCount()) throw JsError("v: expected " + std::to_string(t.tensorCount()) + " tensors, got " + std::to_string(countV), true);
    for (uint32_t i = 0; i < count; i++) {
      napi_value a;
      CHECK_NAPI(napi_get_element(env, v, i, &a));
      float32Data(env, a, t.tensorSize(i), "v[" + std::to_string(i) + "] (" + t.tensorName(i) + ")");
    }
    readTensorList(env, t, m, Which::M, "m");
    readTensorList(env, t, v, Which::V, "v");
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
  return guarded(env, [&]() -> napi_value {
    size_t argc = 0;
    vae::Trainer& t = unwrap(env, info, &argc, nullptr);
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
    napi_value out, s;
    CHECK_NAPI(napi_create_object(env, &out));
    const char* config = openblas_get_config();
    CHECK_NAPI(napi_create_string_utf8(env, config, NAPI_AUTO_LENGTH, &s));
    CHECK_NAPI(napi_set_named_property(env, out, "blasConfig", s));
    const char* core = openblas_get_corename();
    CHECK_NAPI(napi_create_string_utf8(env, core, NAPI_AUTO_LENGTH, &s));
    CHECK_NAPI(napi_set_named_property(env, out, "blasCore", s));
    CHECK_NAPI(napi_set_named_property(env, out, "blasMaxThreads", number(env, openblas_get_num_procs())));
    CHECK_NAPI(napi_set_named_property(env, out, "hardwareConcurrency", number(env, std::thread::hardware_concurrency())));
    CHECK_NAPI(napi_create_string_utf8(env, vae::buildKind(), NAPI_AUTO_LENGTH, &s));
    CHECK_NAPI(napi_set_named_property(env, out, "build", s));
    CHECK_NAPI(napi_create_string_utf8(env, vae::kernelLevel(), NAPI_AUTO_LENGTH, &s));
    CHECK_NAPI(napi_set_named_property(env, out, "kernels", s));
    return out;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor methods[] = {
      {"step", nullptr, Step, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stepRows", nullptr, StepRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gradients", nullptr, Gradients, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"evaluate", nullptr, Evaluate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"logImportanceWeights", nullptr, LogImportanceWeights, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getWeights", nullptr, GetWeights, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setWeights", nullptr, SetWeights, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getAdamState", nullptr, GetAdamState, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setAdamState", nullptr, SetAdamState, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setKlBeta", nullptr, SetKlBeta, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tensorNames", nullptr, TensorNames, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dispose", nullptr, Dispose, nullptr, nullptr, nullptr, napi_default, nullptr},
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

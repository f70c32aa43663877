// Errors as values at library boundaries: Status for "ok or why not", Result<T> for "a T or why not".
// The engine never throws across its public API for user-caused problems and never exits or aborts.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace strata {

class Status {
 public:
  Status() = default;
  static Status ok() { return {}; }
  static Status error(std::string message) {
    Status s;
    s.m_message = std::move(message);
    s.m_ok = false;
    return s;
  }
  bool isOk() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  const std::string& message() const { return m_message; }

 private:
  bool m_ok = true;
  std::string m_message;
};

template <class T>
class Result {
 public:
  Result(T value) : m_value(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status error) : m_error(std::move(error)) {}        // NOLINT: implicit by design
  static Result error(std::string message) { return Result(Status::error(std::move(message))); }

  bool isOk() const { return m_value.has_value(); }
  explicit operator bool() const { return isOk(); }
  T& value() & { return *m_value; }
  const T& value() const& { return *m_value; }
  T&& value() && { return std::move(*m_value); }
  T* operator->() { return &*m_value; }
  const T* operator->() const { return &*m_value; }
  T& operator*() { return *m_value; }
  const T& operator*() const { return *m_value; }
  const std::string& message() const { return m_error.message(); }
  Status status() const { return isOk() ? Status::ok() : m_error; }

 private:
  std::optional<T> m_value;
  Status m_error;
};

}  // namespace strata

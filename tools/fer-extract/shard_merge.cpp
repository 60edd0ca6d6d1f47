// SPDX-License-Identifier: LGPL-2.1-or-later
#include "shard_merge.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "fer/io/npz_reader.h"
#include "fer/io/npz_writer.h"

namespace fer_extract {

namespace {

// The shard bookkeeping a part carries besides the dataset's arrays.
const std::set<std::string> kBookkeeping = {"csv_row", "csv_records", "shard"};

struct Part {
  std::string path;
  std::vector<fer::NpyArray> arrays;
  std::vector<std::int64_t> rows;  // csv_row
  std::int64_t records = 0;
  int index = 0, count = 0;

  const fer::NpyArray* find(const std::string& name) const {
    for (const fer::NpyArray& a : arrays)
      if (a.name == name) return &a;
    return nullptr;
  }
};

std::vector<std::int64_t> int64s(const fer::NpyArray& a) {
  std::vector<std::int64_t> v(a.count());
  std::memcpy(v.data(), a.data.data(), v.size() * sizeof(std::int64_t));
  return v;
}

Part read_part(const std::string& path) {
  Part p;
  p.path = path;
  try {
    p.arrays = fer::read_npz(path);
  } catch (const fer::Error& e) {
    throw MergeRefused(e.what());
  }
  const fer::NpyArray* rows = p.find("csv_row");
  const fer::NpyArray* records = p.find("csv_records");
  const fer::NpyArray* shard = p.find("shard");
  if (!rows || !records || !shard || rows->descr != "<i8" || records->descr != "<i8" || records->count() != 1)
    throw MergeRefused(path + ": not a shard of fer-extract (no csv_row, csv_records and shard arrays: "
                       "made with --shard k/N?)");
  p.rows = int64s(*rows);
  p.records = int64s(*records)[0];
  const std::string text = shard->strings().at(0);
  if (std::sscanf(text.c_str(), "%d/%d", &p.index, &p.count) != 2)
    throw MergeRefused(path + ": shard '" + text + "' is not k/N");
  return p;
}

}  // namespace

std::size_t merge_shards(const std::vector<std::string>& paths, const std::string& output, bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(output, ec))
    throw MergeRefused(output + " exists; use --force to replace it");
  std::vector<Part> parts;
  for (const std::string& path : paths) parts.push_back(read_part(path));
  const Part& first = parts.front();
  std::set<int> seen;
  std::vector<int> owner(static_cast<std::size_t>(std::max<std::int64_t>(first.records, 0)), -1);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Part& p = parts[i];
    if (p.count != first.count || p.records != first.records)
      throw MergeRefused(p.path + ": shard " + std::to_string(p.index) + "/" + std::to_string(p.count) + " of " +
                         std::to_string(p.records) + " records does not belong with " + first.path + " (" +
                         std::to_string(first.index) + "/" + std::to_string(first.count) + " of " +
                         std::to_string(first.records) + ")");
    if (!seen.insert(p.index).second)
      throw MergeRefused(p.path + ": shard " + std::to_string(p.index) + "/" + std::to_string(p.count) +
                         " given twice");
    for (std::int64_t row : p.rows) {
      if (row < 0 || row >= p.records || owner[static_cast<std::size_t>(row)] >= 0)
        throw MergeRefused(p.path + ": CSV row " + std::to_string(row) + " is outside the dataset or in two parts");
      owner[static_cast<std::size_t>(row)] = static_cast<int>(i);
    }
  }
  if (static_cast<int>(parts.size()) != first.count) {
    std::string missing;
    for (int k = 0; k < first.count; ++k)
      if (!seen.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    throw MergeRefused("shards missing: " + missing + " of " + std::to_string(first.count) +
                       " (give every part of the run)");
  }

  // Row r of the output is row at[r] of part owner[r] (r's place in its csv_row).
  std::vector<std::size_t> at(owner.size());
  for (const Part& p : parts)
    for (std::size_t k = 0; k < p.rows.size(); ++k) at[static_cast<std::size_t>(p.rows[k])] = k;

  fer::NpzWriterOptions options;
  options.overwrite = overwrite;
  fer::NpzWriter writer(output, options);
  const std::size_t M = owner.size();
  for (const fer::NpyArray& a : first.arrays) {
    if (kBookkeeping.count(a.name)) continue;
    // The arrays of every part, checked against the first part's.
    std::vector<const fer::NpyArray*> pieces;
    for (const Part& p : parts) {
      const fer::NpyArray* b = p.find(a.name);
      const bool same_kind = b && (b->descr == a.descr || (b->descr.compare(0, 2, "<U") == 0 &&
                                                          a.descr.compare(0, 2, "<U") == 0));
      if (!same_kind || b->shape.size() != a.shape.size() ||
          (!a.shape.empty() && !std::equal(a.shape.begin() + 1, a.shape.end(), b->shape.begin() + 1)))
        throw MergeRefused(p.path + ": array " + a.name + " is missing or differs from " + first.path + "'s");
      pieces.push_back(b);
    }
    if (a.shape.empty()) {  // one value for the whole run (landmark_space)
      for (std::size_t i = 1; i < parts.size(); ++i)
        if (a.descr.compare(0, 2, "<U") == 0 ? pieces[i]->strings() != a.strings() : pieces[i]->data != a.data)
          throw MergeRefused(parts[i].path + ": " + a.name + " differs from " + first.path + "'s");
      if (a.descr.compare(0, 2, "<U") == 0) writer.Add(a.name, {}, a.strings());
      else if (a.descr == "<f4") writer.Add(a.name, {}, reinterpret_cast<const float*>(a.data.data()));
      else if (a.descr == "<i4") writer.Add(a.name, {}, reinterpret_cast<const std::int32_t*>(a.data.data()));
      else writer.Add(a.name, {}, reinterpret_cast<const std::int64_t*>(a.data.data()));
      continue;
    }
    fer::NpzWriter::Shape shape = a.shape;
    shape[0] = M;
    const std::size_t per_row = a.shape[0] > 0 ? a.count() / a.shape[0] : 0;
    if (a.descr.compare(0, 2, "<U") == 0) {
      std::vector<std::vector<std::string>> texts;
      for (const fer::NpyArray* b : pieces) texts.push_back(b->strings());
      std::vector<std::string> out;
      for (std::size_t r = 0; r < M; ++r)
        for (std::size_t j = 0; j < per_row; ++j) out.push_back(texts[owner[r]][at[r] * per_row + j]);
      writer.Add(a.name, shape, out);
      continue;
    }
    std::vector<char> out(M * per_row * a.item_size);
    for (std::size_t r = 0; r < M; ++r)
      std::memcpy(out.data() + r * per_row * a.item_size,
                  pieces[owner[r]]->data.data() + at[r] * per_row * a.item_size, per_row * a.item_size);
    if (a.descr == "<f4") writer.Add(a.name, shape, reinterpret_cast<const float*>(out.data()));
    else if (a.descr == "<i4") writer.Add(a.name, shape, reinterpret_cast<const std::int32_t*>(out.data()));
    else writer.Add(a.name, shape, reinterpret_cast<const std::int64_t*>(out.data()));
  }
  writer.Close();
  return M;
}

}  // namespace fer_extract

// SPDX-License-Identifier: LGPL-2.1-or-later
// Each element's page in docs/elements/ documents every property the
// element has, with the default gst-inspect-1.0 shows: the defaults live in
// the core's option structs once, and the docs cannot drift from them.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gst_test_support.h"

using namespace fer::test;

namespace {

// One row of a property table: name -> the text of its "default" cell.
using DocDefaults = std::map<std::string, std::string>;

std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::stringstream in(row);
  std::string cell;
  std::getline(in, cell, '|');  // before the first bar
  while (std::getline(in, cell, '|')) {
    const auto first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
    out.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  if (!out.empty() && out.back().empty()) out.pop_back();  // after the last bar
  return out;
}

// The tables whose header starts "| property |" and has a "default" column.
DocDefaults documented_defaults(const std::string& page) {
  std::ifstream in(page);
  EXPECT_TRUE(in) << "no page " << page;
  DocDefaults defaults;
  std::string line;
  int default_col = -1;
  while (std::getline(in, line)) {
    if (line.rfind("| property |", 0) == 0) {
      const std::vector<std::string> header = cells(line);
      default_col = -1;
      for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == "default") default_col = static_cast<int>(i);
      continue;
    }
    if (line.rfind("|", 0) != 0) {
      default_col = -1;  // the table ended
      continue;
    }
    if (default_col < 0 || line.rfind("|---", 0) == 0) continue;
    const std::vector<std::string> row = cells(line);
    if (row.size() <= static_cast<size_t>(default_col) || row[0].size() < 3 || row[0][0] != '`') continue;
    defaults[row[0].substr(1, row[0].size() - 2)] = row[static_cast<size_t>(default_col)];
  }
  return defaults;
}

// A documented default in the form the property's own default prints.
std::string normalise(std::string text) {
  for (const std::string& minus : {std::string("\u2212")})  // "−1" in prose
    for (size_t at; (at = text.find(minus)) != std::string::npos;) text.replace(at, minus.size(), "-");
  if (text.size() >= 2 && text.front() == '`' && text.back() == '`') text = text.substr(1, text.size() - 2);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  if (text == "unset" || text == "NULL") return "(null)";
  return text;
}

// The default of `spec` as the docs write it.
std::string printed_default(GParamSpec* spec) {
  GValue value = G_VALUE_INIT;
  g_value_init(&value, spec->value_type);
  g_param_value_set_default(spec, &value);
  std::string text;
  if (G_VALUE_HOLDS_STRING(&value)) {
    const gchar* s = g_value_get_string(&value);
    text = s ? s : "(null)";
  } else if (G_VALUE_HOLDS_ENUM(&value)) {
    GEnumValue* e = g_enum_get_value(G_ENUM_CLASS(g_type_class_peek(spec->value_type)), g_value_get_enum(&value));
    text = e ? e->value_nick : "?";
  } else if (G_VALUE_HOLDS_BOOLEAN(&value)) {
    text = g_value_get_boolean(&value) ? "true" : "false";
  } else if (G_VALUE_HOLDS_DOUBLE(&value)) {
    std::ostringstream out;
    out << g_value_get_double(&value);
    text = out.str();
  } else {
    gchar* s = g_strdup_value_contents(&value);
    text = s;
    g_free(s);
  }
  g_value_unset(&value);
  return text;
}

class ElementDocs : public ::testing::TestWithParam<const char*> {};

TEST_P(ElementDocs, EveryPropertyIsDocumentedWithItsDefault) {
  const std::string name = GetParam();
  GstElementFactory* found = gst_element_factory_find(name.c_str());
  ASSERT_NE(found, nullptr) << name;
  GstPluginFeature* factory = gst_plugin_feature_load(GST_PLUGIN_FEATURE(found));
  gst_object_unref(found);
  ASSERT_NE(factory, nullptr) << name;
  const GType type = gst_element_factory_get_element_type(GST_ELEMENT_FACTORY(factory));
  ASSERT_NE(type, G_TYPE_INVALID);
  const DocDefaults docs = documented_defaults(std::string(FER_SOURCE_DIR) + "/docs/elements/" + name + ".md");
  GObjectClass* klass = G_OBJECT_CLASS(g_type_class_ref(type));
  guint n = 0;
  GParamSpec** specs = g_object_class_list_properties(klass, &n);
  int own = 0;
  for (guint i = 0; i < n; ++i) {
    GParamSpec* spec = specs[i];
    if (spec->owner_type != type) continue;  // GstObject's name, GstBaseTransform's qos, ...
    ++own;
    SCOPED_TRACE(name + " " + spec->name);
    const auto row = docs.find(spec->name);
    ASSERT_NE(row, docs.end()) << "not in the page's property tables";
    if (!(spec->flags & G_PARAM_WRITABLE)) continue;  // read-only: counters, no default
    EXPECT_EQ(normalise(row->second), printed_default(spec));
  }
  EXPECT_GT(own, 0);
  g_free(specs);
  g_type_class_unref(klass);
  gst_object_unref(factory);
}

INSTANTIATE_TEST_SUITE_P(Elements, ElementDocs,
                         ::testing::Values("facelandmarks", "waveletencode", "emotionclassify", "overlay",
                                           "facemetapublish", "livesource"));

}  // namespace

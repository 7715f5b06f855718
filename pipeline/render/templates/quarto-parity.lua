-- Quarto backend only (see pipeline/render/quarto_backend.py): runs BEFORE Quarto's own filters.
--
-- Quarto reshapes tables and figures into its "float" machinery: in typst a table loses the #figure wrapper the
-- template styles and a table caption is dropped; in HTML a chart loses its aria-label. The pandoc backend writes
-- them with pandoc's own writers, so here we hand Quarto the very same output as raw blocks, which its filters
-- leave alone. A table title paragraph ("表3　……") directly before a table is made sticky in typst, as
-- render.keep_titles_with_tables does on the pandoc path, so it never ends a page apart from its table.

local fmt = FORMAT:match("typst") and "typst" or (FORMAT:match("html") and "html" or nil)
local options = { wrap_text = "wrap-none" }

local function write(blocks)
  return pandoc.write(pandoc.Pandoc(blocks), fmt, options)
end

local function is_table_title(block)
  return block.t == "Para" and pandoc.utils.stringify(block):match("^表%d+\u{3000}") ~= nil
end

function Pandoc(doc)
  if fmt == nil then
    return nil
  end
  local out = {}
  local blocks = doc.blocks
  for i, block in ipairs(blocks) do
    local next_block = blocks[i + 1]
    if fmt == "typst" and is_table_title(block) and next_block ~= nil and next_block.t == "Table" then
      local inline = write({ pandoc.Plain(block.content) }):gsub("%s+$", "")
      table.insert(out, pandoc.RawBlock("typst", "#block(sticky: true)[" .. inline .. "]"))
    elseif block.t == "Table" or block.t == "Figure" then
      table.insert(out, pandoc.RawBlock(fmt, write({ block })))
    else
      table.insert(out, block)
    end
  end
  doc.blocks = out
  return doc
end

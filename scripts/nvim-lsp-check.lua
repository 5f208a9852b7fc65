-- Headless Neovim attaches `berth lsp` to a Dockerfile and waits for its diagnostics.
-- Works with Debian's Neovim 0.7 (vim.lsp.start_client) and later versions.
--   BERTH_BIN=target/release/berth DOCKERFILE=fixtures/lint/node-cache/Dockerfile \
--     nvim --headless -u NONE -n -c 'luafile scripts/nvim-lsp-check.lua'
-- Prints one line per diagnostic and exits 0 when at least one arrived, 1 otherwise.
local berth = os.getenv("BERTH_BIN") or "berth"
local file = os.getenv("DOCKERFILE") or "Dockerfile"
local function out(text)
  io.stdout:write(text .. "\n")
end

vim.cmd("edit " .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "berth",
  cmd = { berth, "lsp" },
  root_dir = vim.fn.fnamemodify(file, ":p:h"),
})
if not client_id then
  out("FAIL: could not start " .. berth .. " lsp")
  vim.cmd("cq")
end
vim.lsp.buf_attach_client(buf, client_id)

local arrived = vim.wait(30000, function()
  return #vim.diagnostic.get(buf) > 0
end, 50)
local diagnostics = vim.diagnostic.get(buf)
for _, d in ipairs(diagnostics) do
  local code = d.code
  if code == nil and d.user_data and d.user_data.lsp then
    code = d.user_data.lsp.code
  end
  out(string.format("%s:%d:%d %s %s", file, d.lnum + 1, d.col + 1, tostring(code), (d.message:gsub("\n.*", ""))))
end
local client = vim.lsp.get_client_by_id(client_id)
if client then
  client.stop()
end
if arrived then
  out(string.format("ok: Neovim %s received %d diagnostics from berth lsp", tostring(vim.version().major) .. "." .. tostring(vim.version().minor), #diagnostics))
  vim.cmd("qa!")
else
  out("FAIL: no diagnostics from berth lsp within 30 s")
  vim.cmd("cq")
end

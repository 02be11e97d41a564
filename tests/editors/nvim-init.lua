-- Headless Neovim (0.7+) driving `redlint server` with its built-in LSP client: opens
-- $REDLINT_FILE, waits for diagnostics, applies the quick fix on line 77 (0-based 76), and
-- writes what it saw to $REDLINT_NVIM_OUT as JSON. Used by crates/redlint-cli/tests/editors.rs.
local out = os.getenv('REDLINT_NVIM_OUT')
local result = { ok = false, diagnostics = {}, applied = vim.NIL, line77 = vim.NIL, error = vim.NIL }

local function finish()
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local function main()
  local root = os.getenv('REDLINT_ROOT')
  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('REDLINT_FILE')))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'redlint',
    cmd = { os.getenv('REDLINT_BIN'), 'server' },
    root_dir = root,
    init_options = { root = root },
  })
  vim.lsp.buf_attach_client(bufnr, client_id)
  result.ok = vim.wait(30000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(result.diagnostics, {
      code = d.code or lsp.code, lnum = d.lnum, col = d.col, severity = d.severity, source = d.source,
    })
  end
  local client = vim.lsp.get_client_by_id(client_id)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 76, character = 0 }, ['end'] = { line = 76, character = 0 } },
    context = { diagnostics = {} },
  }
  local resp = client.request_sync('textDocument/codeAction', params, 10000, bufnr)
  for _, a in ipairs((resp and resp.result) or {}) do
    if a.edit and string.find(a.title, 'RL801', 1, true) then
      vim.lsp.util.apply_workspace_edit(a.edit, 'utf-16')
      result.applied = a.title
      break
    end
  end
  result.line77 = vim.api.nvim_buf_get_lines(bufnr, 76, 77, false)[1]
  finish()
end

vim.api.nvim_create_autocmd('VimEnter', {
  callback = function()
    local ok, err = pcall(main)
    if not ok then
      result.error = tostring(err)
      finish()
    end
  end,
})

# Bash completion for clmnist: the commands, each command's options, and the values of options
# that take names (presets, implementations, families, formats, activations, devices; `clmnist
# help COMMAND`). All are read from the program itself when completing (--help, and
# `clmnist --complete-values OPTION`), so they follow the installed clmnist and cannot drift.
# Installed by cmake --install as share/bash-completion/completions/clmnist.
_clmnist() {
  local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]}
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    # "Commands:" lists "  NAME   what it does" until the blank line.
    local commands
    commands=$("$prog" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return 0
  fi
  local help prev=${COMP_WORDS[COMP_CWORD-1]} values
  if [ "$COMP_CWORD" -eq 2 ] && [ "${COMP_WORDS[1]}" = help ]; then
    values=$("$prog" --complete-values help 2>/dev/null)
    mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
    return 0
  fi
  help=$("$prog" "${COMP_WORDS[1]}" --help 2>/dev/null) || return 0
  # The option table: "  --name FILE ..." (a value: an upper-case placeholder) or
  # "  -h [ --help ] ...".
  if [[ $prev == --* ]] && grep -qE -- "^  (-[a-zA-Z] \[ )?$prev( \])? [A-Z]" <<<"$help"; then
    # A value: the names the option takes, else files and directories.
    values=$("$prog" --complete-values "${prev#--}" 2>/dev/null)
    if [ -n "$values" ]; then
      mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
  fi
  if [ "$COMP_CWORD" -eq 2 ] && [ "${COMP_WORDS[1]}" = bench ] && [[ $cur != -* ]]; then
    # bench compare RECORDS..., bench report DIR|FILE...
    mapfile -t COMPREPLY < <(compgen -W "compare report" -- "$cur")
    [ ${#COMPREPLY[@]} -gt 0 ] && return 0
  fi
  if [[ $cur == -* ]]; then
    local options
    options=$(sed -nE 's/^  (-[a-zA-Z] \[ )?(--[a-z0-9][a-z0-9-]*).*/\2/p' <<<"$help")
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
  return 0
}
complete -o filenames -F _clmnist clmnist

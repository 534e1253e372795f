# bash completion for minirun(8): commands, flags and container ids, read
# from minirun's own --help and `minirun list -q`, so it follows the binary.
_minirun() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd="" i globals=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --root | --log | --log-format | --rootless | --criu) globals+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}"); ((i++)) ;;
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done
  case $prev in
    --root | -b | --bundle | --cwd) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --log | --pid-file | -p | --process | -r | --resources | --console-socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
  esac
  local help words
  help=$(minirun ${cmd:+"$cmd"} --help 2>/dev/null)
  if [[ $cur == -* ]]; then
    words=$(printf '%s\n' "$help" | sed -n 's/^  \(-[^ ]*\).*/\1/p' | tr ',' ' ')
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  elif [[ -z $cmd ]]; then
    words=$(printf '%s\n' "$help" | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
    COMPREPLY=($(compgen -W "$words help" -- "$cur"))
  else
    case $cmd in
      spec | features | list | check | help) ;;
      run) COMPREPLY=($(compgen -d -S / -- "$cur")) ;;  # the bundle path form
      create) ;;
      *) COMPREPLY=($(compgen -W "$(minirun "${globals[@]}" list -q 2>/dev/null)" -- "$cur")) ;;
    esac
  fi
}
complete -F _minirun minirun

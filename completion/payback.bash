# bash completion for payback(1): the commands, each command's options, and
# their values: parameter paths for --set, --set-b and --vary (the first
# column of `payback params`), the kinds of --kind, the formats of
# --format, the methods of --method, and files (.yaml scenarios, .h5
# results) for operands and -o.
#
# Commands, options, which options take a value and what the operands are
# come from the program's own help (`payback --help`, `payback CMD --help`,
# printed from one table, sim/help.c), read once per shell: the completion
# cannot fall out of step with the program it completes.  Only the value
# lists below are kept here (tests/help.py checks them).
#
# Installed as share/bash-completion/completions/payback (loaded on demand
# by the bash-completion package); or `source` this file.  Needs nothing but
# bash 4.2.

_payback_kinds="dashboard fan gap payback depreciation tornado indices sweep diff"
_payback_formats="csv json"
_payback_methods="tornado rank sobol shapley"

# The help of PROG (CMD, if given) as lines, kept for the session.
declare -gA _payback_cache 2>/dev/null || true

# _payback_commands PROG: the commands `PROG --help` lists, one a line.
_payback_commands()
{
    local key="$1|" line in=0
    if [[ -z ${_payback_cache[$key]+set} ]]; then
        local out=""
        while IFS= read -r line; do
            if [[ $line == "commands:" ]]; then in=1
            elif [[ -z $line ]]; then in=0
            elif ((in)) && [[ $line =~ ^\ \ ([a-z][a-z0-9-]*)(\ |$) ]]; then out+="${BASH_REMATCH[1]}"$'\n'
            fi
        done < <("$1" --help 2>/dev/null)
        _payback_cache[$key]=$out
    fi
    printf '%s' "${_payback_cache[$key]}"
}

# _payback_options PROG CMD: CMD's options from `PROG CMD --help`, one a
# line as "NAME ARG" ("-n N", "--paths-count N", "--quiet"), and first a
# line "usage: ..." for the operands.
_payback_options()
{
    local key="$1|$2" line in=0 left tok arg IFS=$' \t\n'
    if [[ -z ${_payback_cache[$key]+set} ]]; then
        local out=""
        while IFS= read -r line; do
            if [[ $line == usage:* ]]; then out+="$line"$'\n'
            elif [[ $line == "options:" ]]; then in=1
            elif [[ -z $line ]]; then in=0
            elif ((in)) && [[ $line =~ ^\ +(-.*) ]]; then
                # "-n, --paths-count N     text": names and argument before
                # the first run of two spaces.
                left=${BASH_REMATCH[1]%%  *}
                arg=""
                for tok in ${left//,/ }; do [[ $tok == -* ]] || arg=$tok; done
                for tok in ${left//,/ }; do [[ $tok == -* ]] && out+="$tok${arg:+ $arg}"$'\n'; done
            fi
        done < <("$1" "$2" --help 2>/dev/null)
        _payback_cache[$key]=$out
    fi
    printf '%s' "${_payback_cache[$key]}"
}

# _payback_files [EXT]...: directories, and files ending in one of the .EXT
# (any file without EXT).
_payback_files()
{
    local IFS=$'\n' f e
    compopt -o filenames 2>/dev/null
    if (($# == 0)); then
        COMPREPLY+=($(compgen -f -- "$cur"))
        return
    fi
    COMPREPLY+=($(compgen -d -- "$cur"))
    for f in $(compgen -f -- "$cur"); do
        for e; do [[ -f $f && $f == *."$e" ]] && COMPREPLY+=("$f"); done
    done
}

# _payback_value ARG: the value of an option whose argument is named ARG
# in the help (PATH=VALUE, OUT.h5, KIND, ...).
_payback_value()
{
    local IFS=$' \t\n' prog=$1 arg=$2
    case $arg in
    PATH=*)
        # A parameter's dotted path, then "=" and the value, typed.
        compopt -o nospace 2>/dev/null
        COMPREPLY=($(compgen -S = -W "$("$prog" params 2>/dev/null | sed -e 1d -e 's/\t.*//')" -- "$cur"))
        ;;
    KIND) COMPREPLY=($(compgen -W "$_payback_kinds" -- "$cur")) ;;
    FORMAT) COMPREPLY=($(compgen -W "$_payback_formats" -- "$cur")) ;;
    LIST)
        # A comma-separated list: complete its last item.
        local head="" last=$cur
        [[ $cur == *,* ]] && head=${cur%,*}, last=${cur##*,}
        compopt -o nospace 2>/dev/null
        COMPREPLY=($(compgen -P "$head" -W "$_payback_methods" -- "$last"))
        ;;
    *.h5) _payback_files h5 ;;
    FILE) _payback_files ;;
    *) COMPREPLY=() ;; # a number, a target, an output name: nothing to offer
    esac
}

_payback()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local prog=${COMP_WORDS[0]} IFS=$'\n' i cmd="" opts line
    COMPREPLY=()
    # --opt=VALUE: bash splits at "=" (COMP_WORDBREAKS).
    if [[ $cur == "=" ]]; then cur=""; elif [[ $prev == "=" ]]; then prev=${COMP_WORDS[COMP_CWORD - 2]}; fi
    [[ $prog == */* || -n $(type -P -- "$prog") ]] || return 0
    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "$(_payback_commands "$prog")"$'\nhelp\n--help\n--version' -- "$cur"))
        return 0
    fi
    cmd=${COMP_WORDS[1]}
    if [[ $cmd == help ]]; then
        ((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "$(_payback_commands "$prog")" -- "$cur"))
        return 0
    fi
    opts=$(_payback_options "$prog" "$cmd")
    [[ -n $opts ]] || return 0
    # The value of an option that takes one?
    while IFS= read -r line; do
        if [[ $line == "$prev "* ]]; then
            _payback_value "$prog" "${line#* }"
            return 0
        fi
    done <<<"$opts"
    # An option, unless after "--".
    local dashdash=0
    for ((i = 2; i < COMP_CWORD; i++)); do [[ ${COMP_WORDS[i]} == -- ]] && dashdash=1; done
    if [[ $cur == -* ]] && ((!dashdash)); then
        COMPREPLY=($(compgen -W "$(sed -e '/^usage:/d' -e 's/ .*//' <<<"$opts")" -- "$cur"))
        return 0
    fi
    # An operand: what the usage line names.
    line=$(head -n 1 <<<"$opts")
    case $line in
    *.yaml*) _payback_files yaml yml ;;
    *.h5*) _payback_files h5 ;;
    *COMMAND*) COMPREPLY=($(compgen -W "$(_payback_commands "$prog")" -- "$cur")) ;;
    esac
    return 0
}

complete -F _payback payback payback-mpi

/* File formats by extension. */
#include <string.h>
#include <strings.h>

#include "qcode/document.h"

qc_format qc_format_from_path(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *dot = strrchr(base ? base : path, '.');
    if (!dot)
        return QC_FORMAT_AUTO;
    if (strcasecmp(dot, ".txt") == 0 || strcasecmp(dot, ".md") == 0)
        return QC_FORMAT_TEXT;
    if (strcasecmp(dot, ".vtt") == 0)
        return QC_FORMAT_VTT;
    if (strcasecmp(dot, ".srt") == 0)
        return QC_FORMAT_SRT;
    if (strcasecmp(dot, ".docx") == 0)
        return QC_FORMAT_DOCX;
    return QC_FORMAT_AUTO;
}

const char *qc_format_name(qc_format format)
{
    switch (format) {
    case QC_FORMAT_TEXT: return "text";
    case QC_FORMAT_VTT: return "vtt";
    case QC_FORMAT_SRT: return "srt";
    case QC_FORMAT_DOCX: return "docx";
    default: return "auto";
    }
}

/** The app's one stylesheet: system fonts, readable at phone width, visible focus, no external asset. */
export const stylesheet = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f6f6f4}
header{background:#1f3a5f;color:#fff}
nav{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;max-width:52rem;margin:0 auto;padding:.75rem 1rem}
nav a{color:#fff}
nav .brand{font-weight:700;margin-right:auto;text-decoration:none}
nav button{background:transparent;color:#fff;border:1px solid #fff}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid #ccc;padding-bottom:.25rem}
section,form{margin:0 0 1rem}
.field{display:flex;flex-direction:column;gap:.25rem;margin:0 0 .75rem;max-width:28rem}
label{font-weight:600}
input{font:inherit;padding:.5rem;border:1px solid #666;border-radius:4px;background:#fff;width:100%}
input[aria-invalid=true]{border-color:#b00020;border-width:2px}
button{white-space:nowrap;font:inherit;padding:.5rem 1rem;border-radius:4px;border:1px solid #1f3a5f;background:#1f3a5f;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1f3a5f}
button.danger{background:#b00020;border-color:#b00020}
a{color:#1f3a5f}
:focus-visible{outline:3px solid #e8a317;outline-offset:2px}
.error{color:#b00020;font-weight:600}
.alert{color:#b00020;border:2px solid #b00020;background:#fff;padding:.5rem .75rem;border-radius:4px}
.notice{border:2px solid #1e6b35;color:#1e6b35;background:#fff;padding:.5rem .75rem;border-radius:4px}
.inline{display:inline;margin:0}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
table{border-collapse:collapse;width:100%;display:block;overflow-x:auto}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
.codes{font-family:ui-monospace,monospace;columns:2;max-width:24rem}
.secret{font-family:ui-monospace,monospace;word-break:break-all}
.qr{width:12rem;height:12rem;background:#fff}
.muted{color:#555}
`;

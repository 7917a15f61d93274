//! Council gazetteer import (AddressBase, LLPG DTF, Code-Point Open, CSV), the on-disk address index and the address queries behind council:address.
#![deny(missing_docs)]

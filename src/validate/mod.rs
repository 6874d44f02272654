pub mod support_table;

-- search_products matched every term against lower(name), lower(description), lower(category_id)
-- and the category's lower(name): four lower() + LIKE per product and term. search_text keeps
-- those four lowered fields joined by char(31), so a term without char(31) matches search_text
-- exactly when it matches one of the fields: one LIKE per term (search.ts matches a term that
-- holds char(31) field by field).
-- It is lowered here by the database's own lower(), so matching stays what it was (ASCII-only
-- on SQLite). Triggers keep it current for every write (imports, seeds, plain UPDATEs, a renamed
-- category); SQLite cannot add a STORED generated column to an existing table, nor read another
-- table in one. Each trigger sits on one line: migrations split statements at a ";" ending a line.
ALTER TABLE products ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE TRIGGER IF NOT EXISTS products_search_text_insert AFTER INSERT ON products BEGIN UPDATE products SET search_text = lower(NEW.name) || char(31) || lower(NEW.description) || char(31) || lower(NEW.category_id) || char(31) || coalesce((SELECT lower(c.name) FROM categories c WHERE c.id = NEW.category_id), '') WHERE id = NEW.id; END;

CREATE TRIGGER IF NOT EXISTS products_search_text_update AFTER UPDATE OF name, description, category_id ON products BEGIN UPDATE products SET search_text = lower(NEW.name) || char(31) || lower(NEW.description) || char(31) || lower(NEW.category_id) || char(31) || coalesce((SELECT lower(c.name) FROM categories c WHERE c.id = NEW.category_id), '') WHERE id = NEW.id; END;

CREATE TRIGGER IF NOT EXISTS categories_search_text_update AFTER UPDATE OF id, name ON categories BEGIN UPDATE products SET search_text = lower(name) || char(31) || lower(description) || char(31) || lower(category_id) || char(31) || lower(NEW.name) WHERE category_id = NEW.id; END;

-- Backfill the rows written before this migration.
UPDATE products SET search_text = lower(name) || char(31) || lower(description) || char(31) || lower(category_id) || char(31) || coalesce((SELECT lower(c.name) FROM categories c WHERE c.id = products.category_id), '');
